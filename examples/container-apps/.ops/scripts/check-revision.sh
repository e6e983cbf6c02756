#!/bin/sh
# Promotion 3, "Confirm new revision is active and receiving 100% traffic": the revision with
# 100 % of traffic must be the newest revision, active, and run the image of VERSION. An old
# revision at 100 % (the workflow built nothing new, or traffic was never shifted) fails.
#   .ops/scripts/check-revision.sh APP GROUP VERSION
set -eu
app=$1
group=$2
version=$3
az containerapp revision list --name "$app" --resource-group "$group" -o table
az containerapp revision list --name "$app" --resource-group "$group" -o tsv \
    --query '[].[name,properties.active,properties.trafficWeight,properties.createdTime,properties.template.containers[0].image]' |
    sort -t "$(printf '\t')" -k4,4 |
    awk -F '\t' -v want="$version" '
        { name[NR] = $1; active[NR] = $2; image[NR] = $5 }
        $3 == 100 { at = NR }
        END {
            if (!at) { print "no revision receives 100% of traffic"; exit 1 }
            tag = image[at]; sub(/.*:/, "", tag)
            if (at != NR) {
                printf "100%% of traffic is on %s (%s), not on the newest revision %s\n", name[at], tag, name[NR]
                exit 1
            }
            if (tolower(active[at]) != "true") { printf "%s is not active\n", name[at]; exit 1 }
            if (tag != want) {
                printf "100%% of traffic is on %s running %s, not %s: no new revision serves this release\n", name[at], tag, want
                exit 1
            }
            printf "active with 100%%: %s (%s)\n", name[at], image[at]
        }'
