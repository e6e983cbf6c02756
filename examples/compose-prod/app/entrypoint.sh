# Stand-in for scripts/docker-entrypoint.sh, serving half: writes the version endpoint and serves
# the app with busybox httpd. It never touches the database: the migrations (and their
# ALLOW_PROD_MIGRATIONS guard) run from the host in scripts/migrate.sh, because this FROM-scratch
# image has no PostgreSQL client.
export PATH=/bin
busybox mkdir -p /tmp /www/api/system
printf '{"version":"%s","git_sha":"%s","build_time":"%s","environment":"%s"}\n' \
    "$APP_VERSION" "$GIT_SHA" "$(busybox date -u +%Y-%m-%dT%H:%M:%SZ)" "$NODE_ENV" > /www/api/system/version
echo "/metrics:$METRICS_BASIC_AUTH_USER:$METRICS_BASIC_AUTH_PASS" > /tmp/httpd.conf
echo "backend $APP_VERSION listening on 127.0.0.1:$PORT"
exec busybox httpd -f -p "127.0.0.1:$PORT" -h /www -c /tmp/httpd.conf
