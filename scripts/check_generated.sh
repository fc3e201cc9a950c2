#!/usr/bin/env bash
# Regenerates every generated file into a temporary directory and compares it
# with the committed one: exit 0 when all match, exit 1 (printing the diffs)
# when one differs or its generator fails. Nothing in the tree is written.
#
# Diff lines are cut at CHECK_DIFF_WIDTH characters (default 400; 0 for whole
# lines): the generated tables hold lines of tens of thousands of characters.
set -uo pipefail
cd "$(dirname "$0")/.."

# One entry per generated file: the committed file, then the command that
# writes its content to stdout (run from the repository root). To add a
# generator, add a line.
GENERATED=(
  "sandbox/src/spec_table.hpp  python3 sandbox/gen_spec_table.py"
  "sandbox/src/schema_table.hpp  python3 sandbox/gen_schema_table.py"
  "include/klaviyo/api/accounts.hpp  python3 scripts/gen_api.py header accounts"
  "include/klaviyo/api/campaigns.hpp  python3 scripts/gen_api.py header campaigns"
  "include/klaviyo/api/catalogs.hpp  python3 scripts/gen_api.py header catalogs"
  "include/klaviyo/api/client.hpp  python3 scripts/gen_api.py header client"
  "include/klaviyo/api/conversations.hpp  python3 scripts/gen_api.py header conversations"
  "include/klaviyo/api/coupons.hpp  python3 scripts/gen_api.py header coupons"
  "include/klaviyo/api/custom_objects.hpp  python3 scripts/gen_api.py header custom_objects"
  "include/klaviyo/api/data_privacy.hpp  python3 scripts/gen_api.py header data_privacy"
  "include/klaviyo/api/events.hpp  python3 scripts/gen_api.py header events"
  "include/klaviyo/api/flows.hpp  python3 scripts/gen_api.py header flows"
  "include/klaviyo/api/forms.hpp  python3 scripts/gen_api.py header forms"
  "include/klaviyo/api/images.hpp  python3 scripts/gen_api.py header images"
  "include/klaviyo/api/lists.hpp  python3 scripts/gen_api.py header lists"
  "include/klaviyo/api/metrics.hpp  python3 scripts/gen_api.py header metrics"
  "include/klaviyo/api/profiles.hpp  python3 scripts/gen_api.py header profiles"
  "include/klaviyo/api/reporting.hpp  python3 scripts/gen_api.py header reporting"
  "include/klaviyo/api/reviews.hpp  python3 scripts/gen_api.py header reviews"
  "include/klaviyo/api/segments.hpp  python3 scripts/gen_api.py header segments"
  "include/klaviyo/api/tags.hpp  python3 scripts/gen_api.py header tags"
  "include/klaviyo/api/templates.hpp  python3 scripts/gen_api.py header templates"
  "include/klaviyo/api/tracking_settings.hpp  python3 scripts/gen_api.py header tracking_settings"
  "include/klaviyo/api/web_feeds.hpp  python3 scripts/gen_api.py header web_feeds"
  "include/klaviyo/api/webhooks.hpp  python3 scripts/gen_api.py header webhooks"
  "include/klaviyo/api/all.hpp  python3 scripts/gen_api.py all"
  "README.md  python3 scripts/gen_api.py readme README.md"
)

# The attributes of every resource type a result names: one header per type,
# as many as the generator lists (a header it no longer writes is stale).
status=0
mapfile -t attribute_files < <(PYTHONDONTWRITEBYTECODE=1 python3 scripts/gen_api.py attribute-files)
for f in "${attribute_files[@]}"; do
  GENERATED+=("include/klaviyo/api/attributes/$f.hpp  python3 scripts/gen_api.py attributes $f")
done
for committed in include/klaviyo/api/attributes/*.hpp; do
  base="$(basename "$committed" .hpp)"
  if ! printf '%s\n' "${attribute_files[@]}" | grep -qx "$base"; then
    echo "FAIL: $committed is not generated any more; remove it"
    status=1
  fi
done

width="${CHECK_DIFF_WIDTH:-400}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Generators import scripts/klaviyo_spec.py: no byte-code caches in the tree.
export PYTHONDONTWRITEBYTECODE=1

n=0
for entry in "${GENERATED[@]}"; do
  read -r committed command <<<"$entry"
  n=$((n + 1))
  out="$tmp/$n.$(basename "$committed")"
  if ! bash -c "$command" >"$out" 2>"$tmp/$n.stderr"; then
    echo "FAIL: $committed: the generator failed: $command"
    sed 's/^/  /' "$tmp/$n.stderr"
    status=1
    continue
  fi
  if [ ! -f "$committed" ]; then
    echo "FAIL: $committed is not committed; create it with: $command > $committed"
    status=1
  elif cmp -s "$committed" "$out"; then
    echo "ok: $committed"
  else
    echo "FAIL: $committed differs from what '$command' generates:"
    if [ "$width" -gt 0 ] 2>/dev/null; then
      diff -u --label "$committed (committed)" --label "$committed (generated)" "$committed" "$out" | cut -c "1-$width"
    else
      diff -u --label "$committed (committed)" --label "$committed (generated)" "$committed" "$out"
    fi
    echo "To accept the generated content: $command > $committed"
    status=1
  fi
  # A generator's warnings matter
  # even when the files match.
  [ -s "$tmp/$n.stderr" ] && sed 's/^/  /' "$tmp/$n.stderr"
done
exit $status
