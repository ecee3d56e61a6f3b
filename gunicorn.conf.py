# gunicorn's settings for the web service (Dockerfile, docker-compose.yml: `gunicorn -c gunicorn.conf.py`).
# The access log never holds a working personal link: csm.access_log drops query strings and masks
# the token segments of /surveys/r|o/<token>/, /complaints/status/<token>/ and /visits/calendar/<token>.ics.
logger_class = "csm.access_log.TokenMaskingLogger"
accesslog = "-"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
