#!/usr/bin/env bash
# The spam classifier's accuracy on a labelled corpus built from what Debian ships, against SpamAssassin on the
# same messages (issue 18). Run as root on a Debian machine (it installs SpamAssassin and reads Debian's
# package mirror, the one apt already uses):
#
#   bench/spam_accuracy.sh                 # FACTEUR=path/to/facteur to measure another build
#   KEEP_WORK=1 bench/spam_accuracy.sh     # keeps the corpus and the work directory under /var/tmp
#
# 1. Downloads Debian bookworm packages that ship mail (binary packages, and the upstream tarballs of source
#    packages whose test suites hold real mail), each pinned by name and unpacked in a work directory: no
#    third-party mail is ever written into the repository.
# 2. bench/spam_accuracy.py builds the corpus from them: ham (mailing-list archives, an inbox, mail libraries'
#    test messages), the real spam they hold (GTUBE left out), and 15 variants of each real spam; then splits
#    each source in half (train, test) by a keyed hash, a spam message and its variants always in the same half.
# 3. Runs `spamassassin -L -t` (local tests only) on each test message with a private site configuration:
#    once without Bayes, once after `sa-learn` on the same train half (bayes_min_spam_num and
#    bayes_min_ham_num 10, as Facteur's MIN_TRAINED, instead of SpamAssassin's 200; no auto-learning).
# 4. Trains a fresh Facteur account on the train half (`facteur spam train`), and asks `facteur spam explain`
#    about each test message.
# 5. Prints precision, recall, F1 and the confusion matrix of each, and keeps the report and the per-message
#    verdicts in bench/results/spam_accuracy/ (ignored by git).
#
# Takes about 15 minutes on two cores, most of it SpamAssassin (two runs of one process per test message).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
RESULTS=${RESULTS:-$HERE/results/spam_accuracy}
SUITE=bookworm
# Binary packages whose files are mail: Python's email test messages, enmime's (Go) test mail, HyperKitty's
# and Mailman's test messages (mailing-list software), SpamAssassin's sample messages.
BINARY_PACKAGES=(libpython3.11-testsuite golang-github-jhillyerd-enmime-dev python3-django-hyperkitty mailman3
    spamassassin)
# Source packages whose upstream tests hold real mail: notmuch's corpora (its own list, and LKML), bogofilter's
# ham and spam mailboxes, rspamd's functional-test messages.
SOURCE_PACKAGES=(notmuch bogofilter rspamd)

started=$(date +%s)
if [ -n "${KEEP_WORK:-}" ]; then
    # The corpus and both classifiers' data stay for a closer look (third-party mail: never in the repository).
    WORK=$(mktemp -d /var/tmp/facteur-spam-accuracy.XXXXXX)
    echo "Work directory (kept): $WORK"
else
    bench_work_dir facteur-spam-accuracy
fi
mkdir -p "$RESULTS"

# ---- tools -------------------------------------------------------------------------------------------------------

need=()
command -v spamassassin >/dev/null || need+=(spamassassin)
command -v sa-learn >/dev/null || need+=(spamassassin)
command -v python3 >/dev/null || need+=(python3)
command -v xz >/dev/null || need+=(xz-utils)
if [ ${#need[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || bench_fail "needs ${need[*]} (run as root to install them)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
rules=/usr/share/spamassassin
# sa-update's rules, when the host ever ran it, take precedence over the package's.
for updated in /var/lib/spamassassin/[0-9]*; do
    if [ -d "$updated" ]; then rules=$updated; fi
done
echo "SpamAssassin: $(spamassassin -V | head -1)," \
    "$(dpkg-query -W -f='${Package} ${Version}' spamassassin), rules in $rules"

# ---- the packages ------------------------------------------------------------------------------------------------

# A private apt configuration for bookworm's binary and source indexes, so that the host's own sources (and
# whether they carry deb-src) do not matter, and a newer host reads the same versions. The mirror is the one
# the host's apt uses (DEBIAN_MIRROR= to name another).
mirror=${DEBIAN_MIRROR:-$(grep -rhoE '^(URIs:|deb) *https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list \
    /etc/apt/sources.list.d/ 2>/dev/null | grep -oE 'https?://[^ ]+' | head -1 || true)}
[ -n "$mirror" ] || bench_fail "cannot find a Debian mirror in /etc/apt/sources.list*; set DEBIAN_MIRROR"
APT=$WORK/apt
mkdir -p "$APT/etc" "$APT/lists/partial" "$APT/cache/archives/partial" "$WORK/packages"
cat > "$APT/etc/bookworm.sources" <<EOF
Types: deb deb-src
URIs: $mirror
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
apt_private() {
    apt-get -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$APT/etc" -o Dir::State::Lists="$APT/lists" \
        -o Dir::Cache="$APT/cache" -o APT::Sandbox::User=root "$@"
}
apt_private update >/dev/null
: > "$WORK/packages/versions.tsv"
(
    cd "$WORK/packages"
    apt_private download "${BINARY_PACKAGES[@]}" >/dev/null
    for package in "${BINARY_PACKAGES[@]}"; do
        deb=$(ls "${package}"_*.deb)
        dpkg -x "$deb" "$package"
        printf '%s\t%s\tdeb\n' "$package" "$(dpkg-deb -f "$deb" Version)" >> versions.tsv
        rm "$deb"
    done
    for package in "${SOURCE_PACKAGES[@]}"; do
        apt_private source --download-only "$package" >/dev/null
        dsc=$(ls "${package}"_*.dsc)
        mkdir "$package"
        tar -xf "$(ls "${package}"_*.orig.tar.*)" -C "$package"
        printf '%s\t%s\tsource\n' "$package" "$(sed -n 's/^Version: //p' "$dsc")" >> versions.tsv
        rm -f "${package}"_*
    done
)

# ---- the corpus --------------------------------------------------------------------------------------------------

CORPUS=$WORK/corpus
python3 "$HERE/spam_accuracy.py" corpus "$WORK/packages" "$CORPUS"

# ---- SpamAssassin ------------------------------------------------------------------------------------------------

# A private site configuration: the plugins Debian loads (its .pre files) and our settings, not whatever the
# host's local.cf says; a private home, so no user preferences or Bayes database of the host are read.
SA_SITE=$WORK/sa-site
mkdir -p "$SA_SITE" "$WORK/sa-home"
cp /etc/spamassassin/*.pre "$SA_SITE/"
cat > "$SA_SITE/local.cf" <<EOF
bayes_path $WORK/sa-home/bayes
bayes_auto_learn 0
bayes_auto_expire 0
bayes_min_spam_num 10
bayes_min_ham_num 10
EOF
sa_options=(-L --siteconfigpath="$SA_SITE" -x)
t0=$(date +%s)
HOME=$WORK/sa-home python3 "$HERE/spam_accuracy.py" spamassassin "$CORPUS" sa-nobayes -- \
    spamassassin "${sa_options[@]}" -t --cf='use_bayes 0'
HOME=$WORK/sa-home sa-learn -L --siteconfigpath="$SA_SITE" --spam "$CORPUS/train/spam"
HOME=$WORK/sa-home sa-learn -L --siteconfigpath="$SA_SITE" --ham "$CORPUS/train/ham"
HOME=$WORK/sa-home sa-learn --siteconfigpath="$SA_SITE" --dump magic | grep -E 'nspam|nham'
HOME=$WORK/sa-home python3 "$HERE/spam_accuracy.py" spamassassin "$CORPUS" sa-bayes -- \
    spamassassin "${sa_options[@]}" -t --cf='use_bayes 1'
echo "SpamAssassin: learnt and classified twice in $(($(date +%s) - t0)) s"
cp "$CORPUS"/sources.txt "$CORPUS"/verdicts-*.tsv "$RESULTS/"

# ---- Facteur -----------------------------------------------------------------------------------------------------

facteur_binary
ACCOUNT=reader@example.test
facteur_init "$WORK/data" "${PORT_BASE:-$(free_port_base)}"
facteur_add_accounts "$WORK/data" "bench-password-18" "$ACCOUNT"
t0=$(date +%s)
"$FACTEUR" --data-dir "$WORK/data" spam train --account "$ACCOUNT" --spam "$CORPUS/train/spam"
"$FACTEUR" --data-dir "$WORK/data" spam train --account "$ACCOUNT" --ham "$CORPUS/train/ham"
python3 "$HERE/spam_accuracy.py" facteur "$CORPUS" "$FACTEUR" "$WORK/data" "$ACCOUNT"
echo "Facteur: trained and classified in $(($(date +%s) - t0)) s"

# ---- the report --------------------------------------------------------------------------------------------------

python3 "$HERE/spam_accuracy.py" report "$CORPUS"
cp "$CORPUS"/report.txt "$CORPUS"/sources.txt "$CORPUS"/verdicts-*.tsv "$CORPUS"/manifest.tsv "$RESULTS/"
echo "Run time: $(($(date +%s) - started)) s. Report and per-message verdicts in $RESULTS/"
