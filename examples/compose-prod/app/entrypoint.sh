# Stand-in for scripts/docker-entrypoint.sh: migrations run only with ALLOW_PROD_MIGRATIONS=true
# in production; then the version endpoint is written and httpd serves the app.
export PATH=/bin
busybox mkdir -p /tmp /data /www/api/system
schema=$(busybox cat /data/schema 2>/dev/null)
if [ "$schema" != "$APP_VERSION" ]; then
    if [ "$NODE_ENV" = production ] && [ "$ALLOW_PROD_MIGRATIONS" != true ]; then
        echo "migrations pending ($schema -> $APP_VERSION) and ALLOW_PROD_MIGRATIONS is not true: aborting" >&2
        exit 1
    fi
    echo "migrating schema ${schema:-empty} -> $APP_VERSION"
    echo "$APP_VERSION" > /data/schema
fi
printf '{"version":"%s","git_sha":"%s","build_time":"%s","environment":"%s"}\n' \
    "$APP_VERSION" "$GIT_SHA" "$(busybox date -u +%Y-%m-%dT%H:%M:%SZ)" "$NODE_ENV" > /www/api/system/version
echo "/metrics:$METRICS_BASIC_AUTH_USER:$METRICS_BASIC_AUTH_PASS" > /tmp/httpd.conf
echo "backend $APP_VERSION listening on 127.0.0.1:$PORT"
exec busybox httpd -f -p "127.0.0.1:$PORT" -h /www -c /tmp/httpd.conf
