#!/bin/sh
# Stand-in for .ops/scripts/rollback.sh: finds the previous revision, activates it, shifts 100%
# of traffic to it (az), restarts it locally, and runs the smoke check.
#   .ops/scripts/rollback.sh APP GROUP PORT
set -eu
app=$1
group=$2
port=$3
previous=$(cat .ops/state/previous)
az containerapp revision list --name "$app" --resource-group "$group" -o table
rev=$(az containerapp revision list --name "$app" --resource-group "$group" -o json |
    grep -o "\"name\":\"$app--[0-9]*\"" | tail -n 2 | head -n 1 | cut -d'"' -f4)
echo "previous revision: $rev ($previous)"
az containerapp revision activate --name "$app" --resource-group "$group" --revision "$rev"
az containerapp ingress traffic set --name "$app" --resource-group "$group" --revision-weight "$rev=100"
.ops/scripts/deploy.sh "$previous" "$port"
.ops/scripts/smoke-check.sh "http://127.0.0.1:$port"
