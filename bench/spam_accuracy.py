#!/usr/bin/env python3
"""The labelled corpus of bench/spam_accuracy.sh, and its classifiers' results as a table.

    spam_accuracy.py corpus PACKAGES OUT      # messages from the unpacked packages, spam variants, the split
    spam_accuracy.py facteur OUT FACTEUR DATA ACCOUNT   # `facteur spam explain` on each test message
    spam_accuracy.py spamassassin OUT NAME -- SPAMASSASSIN ARGS…   # `spamassassin -t` on each test message
    spam_accuracy.py report OUT               # precision, recall, F1 and the confusion matrix of each run

PACKAGES holds one directory per Debian package, unpacked (binary packages with dpkg -x, source packages as
their upstream tarball), and PACKAGES/versions.tsv (package, version, kind). OUT receives the corpus
(OUT/train/{ham,spam}/, OUT/test/{ham,spam}/, OUT/manifest.tsv), each classifier's verdicts
(OUT/verdicts-NAME.tsv) and the report (OUT/report.txt).

Everything is deterministic: files are read in sorted order, the split sorts by a keyed hash, and each spam
variant draws from its own random generator seeded with SEED, its seed message and its number.
"""

import concurrent.futures
import datetime
import email
import email.charset
import email.policy
import email.utils
import hashlib
import mailbox
import os
import random
import re
import subprocess
import sys
from pathlib import Path

SEED = "facteur-issue-18"
# Spam variants made from each real spam message: the real spam is only a few dozen messages, and a
# classifier trained on a handful says little. Variants of one message always fall in the same half (see
# split()), so the test half's spam is never a near copy of a trained message.
VARIANTS_PER_SPAM = 15

HYPERKITTY = "usr/lib/python3/dist-packages/hyperkitty/tests/testdata"
# (source name, package, paths or globs inside the unpacked package, label). "mbox:" reads an mbox file, "!"
# leaves out the files of a glob.
SOURCES = [
    # Ham: real mail first (mailing lists, a person's inbox), then the test messages of mail libraries.
    ("notmuch-lkml", "notmuch", ["notmuch-0.37/test/corpora/lkml/cur/*"], "ham"),
    ("notmuch-list", "notmuch", ["notmuch-0.37/test/corpora/default/**/*"], "ham"),
    ("bogofilter-good", "bogofilter", ["mbox:bogofilter-1.2.5/src/tests/inputs/good.mbx"], "ham"),
    ("python-email", "libpython3.11-testsuite", ["usr/lib/python3.11/test/test_email/data/msg_*.txt"], "ham"),
    ("enmime", "golang-github-jhillyerd-enmime-dev",
     ["usr/share/gocode/src/github.com/jhillyerd/enmime/testdata/mail/*.raw"], "ham"),
    ("hyperkitty", "python3-django-hyperkitty", [f"{HYPERKITTY}/*.txt", f"!{HYPERKITTY}/unknown-charset.txt"], "ham"),
    ("mailman", "mailman3", ["usr/lib/python3/dist-packages/mailman/**/tests/**/*.eml"], "ham"),
    ("spamassassin-nonspam", "spamassassin", ["usr/share/doc/spamassassin/examples/sample-nonspam.txt"], "ham"),
    ("rspamd-ham", "rspamd", ["rspamd-3.4/test/functional/messages/ham.eml"], "ham"),
    # Spam: the real spam Debian ships. SpamAssassin's sample-spam.txt is GTUBE, and GTUBE is left out
    # everywhere (see read_source): a test string is not spam a classifier should be credited for.
    ("bogofilter-spam", "bogofilter", ["mbox:bogofilter-1.2.5/src/tests/inputs/spam.mbx"], "spam"),
    ("spamassassin-spam", "spamassassin", ["usr/share/doc/spamassassin/examples/sample-spam.txt"], "spam"),
    # A pharmacy spam forwarded to a list, kept by HyperKitty's tests for its unknown charset.
    ("hyperkitty-spam", "python3-django-hyperkitty", [f"{HYPERKITTY}/unknown-charset.txt"], "spam"),
    ("rspamd-spam", "rspamd",
     ["rspamd-3.4/test/functional/messages/spam.eml", "rspamd-3.4/test/functional/messages/spam_message.eml"],
     "spam"),
]

GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"


# ---- reading the packages ----------------------------------------------------------------------------------------

def looks_like_mail(raw):
    """A header block with at least a From: or Subject: and a body separator: test fixtures of broken headers
    or bare bodies are not mail anyone receives."""
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)
    if len(head) < 2:
        return False
    return re.search(rb"(?im)^(from|subject):", head[0]) is not None


def read_source(root, patterns):
    """(name, raw bytes) of each message of the source, in a stable order."""
    found = []
    excluded = {path for pattern in patterns if pattern.startswith("!") for path in root.glob(pattern[1:])}
    for pattern in patterns:
        if pattern.startswith("!"):
            continue
        is_mbox = pattern.startswith("mbox:")
        pattern = pattern.removeprefix("mbox:")
        for path in sorted(root.glob(pattern)):
            if not path.is_file() or path in excluded:
                continue
            data = path.read_bytes()
            relative = path.relative_to(root)
            if is_mbox or (data.startswith(b"From ") and data.count(b"\nFrom ") > 0):
                box = mailbox.mbox(path, create=False)
                for index, key in enumerate(box.keys()):
                    found.append((f"{relative}#{index}", box.get_bytes(key)))
            else:
                if data.startswith(b"From "):
                    data = data.split(b"\n", 1)[1]
                found.append((str(relative), data))
    return found


def load_sources(packages):
    versions = {}
    for line in (packages / "versions.tsv").read_text().splitlines():
        package, version, kind = line.split("\t")
        versions[package] = (version, kind)
    corpus, seen, notes = [], set(), []
    for name, package, patterns, label in SOURCES:
        read = read_source(packages / package, patterns)
        kept = dropped_gtube = dropped_dup = dropped_not_mail = 0
        for where, raw in read:
            raw = raw.replace(b"\r\n", b"\n")
            if GTUBE in raw:
                dropped_gtube += 1
                continue
            if not looks_like_mail(raw):
                dropped_not_mail += 1
                continue
            # The same message in two sources (or twice in one) would be trained and tested at once.
            digest = hashlib.sha256(raw.split(b"\n\n", 1)[1]).hexdigest()
            if digest in seen:
                dropped_dup += 1
                continue
            seen.add(digest)
            corpus.append({"source": name, "label": label, "where": f"{package}:{where}", "raw": raw,
                           "family": f"{name}:{where}", "synthetic": False})
            kept += 1
        version, kind = versions.get(package, ("?", "?"))
        dropped = ", ".join(f"{n} {why}" for n, why in
                            [(dropped_gtube, "GTUBE"), (dropped_dup, "duplicate"), (dropped_not_mail, "not mail")]
                            if n)
        paths = " ".join(p.removeprefix("mbox:") for p in patterns if not p.startswith("!"))
        notes.append((name, label, package, version, kind, paths, kept, dropped or "-"))
    return corpus, notes


# ---- spam variants -----------------------------------------------------------------------------------------------

FIRST_NAMES = ["James", "Mary", "Robert", "Linda", "Michael", "Susan", "David", "Karen", "Maria", "Ahmed", "Wei",
               "Olga", "Pierre", "Fatima", "Hans", "Lucia", "Kenji", "Amara", "Sean", "Priya"]
LAST_NAMES = ["Smith", "Johnson", "Garcia", "Miller", "Davis", "Lopez", "Wilson", "Martin", "Lee", "Walker",
              "Young", "King", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell"]
DOMAIN_WORDS = ["best", "deal", "offer", "save", "promo", "mail", "net", "direct", "prime", "global", "secure",
                "easy", "top", "smart", "fast", "club", "zone", "hub", "plus", "online"]
TLDS = ["com", "net", "info", "biz", "ru", "cn", "top", "xyz"]


def random_domain(rng):
    return f"{rng.choice(DOMAIN_WORDS)}{rng.choice(DOMAIN_WORDS)}{rng.randrange(1, 999)}.{rng.choice(TLDS)}"


def vary_text(text, rng, names, domains, html):
    """Spammers' own variations: other link domains, other sums, another recipient's name, paragraphs in
    another order (plain text) and a few words of filler (hash busting)."""
    text = re.sub(r"(https?://)([A-Za-z0-9.-]+)",
                  lambda m: m.group(1) + domains.setdefault(m.group(2).lower(), random_domain(rng)), text)
    text = re.sub(r"\$\s?\d[\d,]*(\.\d\d)?",
                  lambda m: f"${rng.randrange(10, 99_999):,}" + (f".{rng.randrange(100):02d}" if m.group(1) else ""),
                  text)
    text = re.sub(r"\b\d{1,3}%", lambda m: f"{rng.randrange(10, 95)}%", text)
    text = re.sub(r"\b(John|Friend)\b", names[0], text)
    text = re.sub(r"\bDear [A-Z][a-z]+,", f"Dear {names[0]},", text)
    if not html:
        paragraphs = re.split(r"\n\s*\n", text)
        if len(paragraphs) > 3:
            middle = paragraphs[1:-1]
            rng.shuffle(middle)
            if len(middle) > 2 and rng.random() < 0.5:
                middle.pop(rng.randrange(len(middle)))
            paragraphs = [paragraphs[0], *middle, paragraphs[-1]]
        text = "\n\n".join(paragraphs)
    words = re.findall(r"[A-Za-z]{4,}", text)
    if words:
        filler = " ".join(rng.choice(words).lower() for _ in range(rng.randrange(3, 12)))
        text = (f"{text}\n<!-- {filler} -->\n" if html else f"{text}\n\n{filler}\n")
    return text


def variant(seed, number):
    """One variant of a real spam message: new sender, recipient, date, Message-ID, subject figures and body as
    in vary_text. The seed's structure (MIME parts, HTML) stays."""
    rng = random.Random(f"{SEED}:{seed['family']}:{number}")
    message = email.message_from_bytes(seed["raw"], policy=email.policy.compat32)
    names = [f"{rng.choice(FIRST_NAMES)}", rng.choice(LAST_NAMES)]
    domains = {}
    sender_domain = random_domain(rng)
    for field, value in [
        ("From", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} <{rng.choice(DOMAIN_WORDS)}"
                 f"{rng.randrange(100)}@{sender_domain}>"),
        ("To", f"{names[0]} {names[1]} <{names[0].lower()}.{names[1].lower()}@example.com>"),
        ("Message-ID", f"<{rng.getrandbits(64):016x}.{number}@{sender_domain}>"),
        ("Return-Path", f"<bounce-{rng.getrandbits(32):08x}@{sender_domain}>"),
    ]:
        del message[field]
        message[field] = value
    date = email.utils.parsedate_to_datetime(seed_date(message))
    del message["Date"]
    message["Date"] = email.utils.format_datetime(date.replace(microsecond=0) + random_delta(rng))
    subject = str(message.get("Subject", ""))
    del message["Subject"]
    subject = re.sub(r"\d+", lambda m: str(rng.randrange(2, 99)), subject)
    if rng.random() < 0.3:
        subject = f"{names[0]}, {subject}"
    message["Subject"] = subject
    for part in message.walk():
        if part.get_content_maintype() != "text" or part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        charset = part.get_content_charset() or "us-ascii"
        try:
            text = payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            charset = "latin-1"
            text = payload.decode(charset)
        text = vary_text(text, rng, names, domains, part.get_content_subtype() == "html")
        set_text(part, text, charset)
    return message.as_bytes(policy=email.policy.compat32.clone(linesep="\n"))


def set_text(part, text, charset):
    """The part's new text in its charset and its transfer encoding as the seed had them: a changed encoding
    would be a difference that the spam never had."""
    encoding = str(part.get("Content-Transfer-Encoding", "7bit")).strip().lower()
    try:
        data = text.encode(charset)
    except (LookupError, UnicodeEncodeError):
        charset, data = "utf-8", text.encode("utf-8")
        part.set_param("charset", charset)
    del part["Content-Transfer-Encoding"]
    if encoding in ("quoted-printable", "base64"):
        codec = email.charset.Charset(charset)
        codec.body_encoding = email.charset.QP if encoding == "quoted-printable" else email.charset.BASE64
        part.set_payload(text, codec)
    else:
        part.set_payload(data.decode("ascii", "surrogateescape"))
        part["Content-Transfer-Encoding"] = "7bit" if data.isascii() else "8bit"


def seed_date(message):
    date = message.get("Date")
    try:
        if date and email.utils.parsedate_to_datetime(date):
            return date
    except (TypeError, ValueError):
        pass
    return "Fri, 01 Nov 2002 12:00:00 +0000"


def random_delta(rng):
    return datetime.timedelta(seconds=rng.randrange(0, 180 * 86400))


# ---- the split ---------------------------------------------------------------------------------------------------

def split(corpus):
    """Half of each source's families in train, half in test: sorted by a keyed hash, then alternately. A family
    is one real message and the variants made from it, so no variant is tested against its own seed."""
    families = {}
    for message in corpus:
        families.setdefault((message["source"], message["family"]), []).append(message)
    by_source = {}
    for (source, family), messages in families.items():
        by_source.setdefault(source, []).append((hashlib.sha256(f"{SEED}:{family}".encode()).hexdigest(), messages))
    for source, keyed in by_source.items():
        keyed.sort()
        for index, (_, messages) in enumerate(keyed):
            for message in messages:
                message["half"] = "train" if index % 2 == 0 else "test"


def build_corpus(packages, out):
    corpus, notes = load_sources(packages)
    variants = []
    for message in corpus:
        if message["label"] == "spam":
            for number in range(1, VARIANTS_PER_SPAM + 1):
                variants.append({**message, "raw": variant(message, number), "synthetic": True,
                                 "where": f"{message['where']} variant {number}"})
    corpus.extend(variants)
    split(corpus)
    manifest = ["path\tlabel\thalf\tsource\tsynthetic\tfamily"]
    for index, message in enumerate(corpus):
        directory = out / message["half"] / message["label"]
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{index:05d}.eml"
        path.write_bytes(message["raw"])
        manifest.append("\t".join([str(path.relative_to(out)), message["label"], message["half"], message["source"],
                                   "1" if message["synthetic"] else "0", message["where"]]))
    (out / "manifest.tsv").write_text("\n".join(manifest) + "\n")
    lines = ["Sources (Debian bookworm packages; kind: deb = binary package, source = its upstream tarball):",
             f"  {'source':22} {'label':5} {'package':36} {'version':24} {'kind':6} {'kept':>5}  dropped  path"]
    for name, label, package, version, kind, paths, kept, dropped in notes:
        lines.append(f"  {name:22} {label:5} {package:36} {version:24} {kind:6} {kept:>5}  {dropped:8} {paths}")
    real_spam = sum(1 for m in corpus if m["label"] == "spam" and not m["synthetic"])
    lines.append(f"  {'spam variants':22} spam  {VARIANTS_PER_SPAM} per real spam message, made by this script"
                 f" {'':8} {len(variants):>5}")
    lines.append("")
    lines.append("Corpus: " + ", ".join(
        f"{half} {sum(1 for m in corpus if m['half'] == half and m['label'] == 'ham')} ham / "
        f"{sum(1 for m in corpus if m['half'] == half and m['label'] == 'spam')} spam "
        f"({sum(1 for m in corpus if m['half'] == half and m['label'] == 'spam' and not m['synthetic'])} real)"
        for half in ("train", "test")) + f"; {real_spam} real spam messages in all.")
    (out / "sources.txt").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


# ---- classifying -------------------------------------------------------------------------------------------------

def test_messages(out):
    rows = (out / "manifest.tsv").read_text().splitlines()[1:]
    return [row.split("\t") for row in rows if row.split("\t")[2] == "test"]


def run_all(out, name, judge):
    """judge(path) -> (verdict columns) for each test message, two at a time (the machine's two cores)."""
    messages = test_messages(out)
    with concurrent.futures.ThreadPoolExecutor(max_workers=int(os.environ.get("JOBS", "2"))) as pool:
        verdicts = list(pool.map(lambda row: judge(out / row[0]), messages))
    lines = ["path\tlabel\tsource\tsynthetic\tspam_at_95\tspam_at_junk\tfull_junk\tdetail"]
    for row, verdict in zip(messages, verdicts):
        lines.append("\t".join([row[0], row[1], row[3], row[4], *verdict]))
    (out / f"verdicts-{name}.tsv").write_text("\n".join(lines) + "\n")


BAYES_LINE = re.compile(r"^\s+(BAYES_\d+)\s+[+-][\d.]+\s+spam probability ([\d.]+)", re.M)
ACTION_LINE = re.compile(r"^\s+score (-?[\d.]+) \(junk at [\d.]+, reject at [^)]+\): (\w+)$", re.M)


def facteur_judge(facteur, data, account):
    def judge(path):
        result = subprocess.run([facteur, "--data-dir", data, "spam", "explain", str(path), "--account", account],
                                capture_output=True, text=True, check=False)
        if result.returncode != 0:
            sys.exit(f"facteur spam explain {path} failed: {result.stderr.strip()}")
        # The last block is the account's judgement (the first is the content alone).
        account_part = re.split(r"^For ", result.stdout, flags=re.M)[-1]
        bayes = BAYES_LINE.search(account_part)
        actions = ACTION_LINE.findall(account_part)
        if not actions:
            sys.exit(f"facteur spam explain {path}: no score line in\n{result.stdout}")
        score, action = actions[-1]
        rule = bayes.group(1) if bayes else "none"
        # BAYES_95 and BAYES_99 (p >= 0.95) call it spam; BAYES_99 alone reaches the junk threshold (+5).
        at_95 = rule in ("BAYES_95", "BAYES_99")
        at_junk = rule == "BAYES_99"
        rules = ",".join(sorted(set(re.findall(r"^\s+([A-Z][A-Z0-9_]+)\s+[+-]", account_part, re.M))))
        return [str(int(at_95)), str(int(at_junk)), str(int(action != "deliver")),
                f"{rule} p={bayes.group(2) if bayes else '0.05-0.80'} score={score} {action} {rules}"]
    return judge


def spamassassin_judge(command):
    def judge(path):
        with open(path, "rb") as message:
            result = subprocess.run(command, stdin=message, capture_output=True, check=False)
        header = result.stdout.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("latin-1")
        status = re.search(r"^X-Spam-Status: (Yes|No), score=(-?[\d.]+) required=[\d.]+\s+tests=(.*?)\s+autolearn",
                           re.sub(r"\n\s+", " ", header), re.M)
        if status is None:
            sys.exit(f"spamassassin on {path}: no X-Spam-Status in its output; stderr: {result.stderr[-2000:]!r}")
        tests = status.group(3).split(",")
        bayes = [t for t in tests if t.startswith("BAYES_")]
        # SpamAssassin's BAYES_95, BAYES_99 and BAYES_999 are p >= 0.95, as Facteur's BAYES_95 and BAYES_99.
        at_95 = any(t in ("BAYES_95", "BAYES_99", "BAYES_999") for t in tests)
        return [str(int(at_95)), str(int(at_95)), str(int(status.group(1) == "Yes")),
                f"{'/'.join(bayes) or 'no-bayes'} score={status.group(2)} {status.group(3)}"]
    return judge


# ---- the report --------------------------------------------------------------------------------------------------

def measures(rows, column):
    tp = sum(1 for r in rows if r["label"] == "spam" and r[column] == "1")
    fn = sum(1 for r in rows if r["label"] == "spam" and r[column] == "0")
    fp = sum(1 for r in rows if r["label"] == "ham" and r[column] == "1")
    tn = sum(1 for r in rows if r["label"] == "ham" and r[column] == "0")
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else float("nan")
    real = [r for r in rows if r["label"] == "spam" and r["synthetic"] == "0"]
    real_caught = sum(1 for r in real if r[column] == "1")
    return tp, fp, fn, tn, precision, recall, f1, f"{real_caught}/{len(real)}"


RUNS = [
    ("facteur", "spam_at_95", "Facteur Bayes alone, BAYES_95 or above (p >= 0.95)"),
    ("facteur", "spam_at_junk", "Facteur Bayes alone at the junk action (BAYES_99, +5.0)"),
    ("facteur", "full_junk", "Facteur full verdict (content checks + Bayes), junk or worse"),
    ("sa-nobayes", "full_junk", "SpamAssassin -L, rules only (score >= 5)"),
    ("sa-bayes", "spam_at_95", "SpamAssassin -L, its Bayes alone (BAYES_95 or above)"),
    ("sa-bayes", "full_junk", "SpamAssassin -L, rules + Bayes (score >= 5)"),
]


def read_verdicts(out, name):
    path = out / f"verdicts-{name}.tsv"
    if not path.exists():
        return None
    lines = path.read_text().splitlines()
    keys = lines[0].split("\t")
    return [dict(zip(keys, line.split("\t"))) for line in lines[1:]]


def report(out):
    lines = [(out / "sources.txt").read_text().rstrip(), ""]
    header = f"{'classifier (test half)':62} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} {'precision':>9} " \
             f"{'recall':>7} {'F1':>6}  real spam caught"
    lines += [header, "-" * len(header)]
    for name, column, title in RUNS:
        rows = read_verdicts(out, name)
        if rows is None:
            lines.append(f"{title:62} (not run)")
            continue
        tp, fp, fn, tn, precision, recall, f1, real = measures(rows, column)
        lines.append(f"{title:62} {tp:>4} {fp:>4} {fn:>4} {tn:>4} {precision:>9.3f} {recall:>7.3f} {f1:>6.3f}  {real}")
    lines.append("")
    lines.append("Per source, test half (messages called spam / messages):")
    facteur, sa = read_verdicts(out, "facteur"), read_verdicts(out, "sa-bayes")
    sa_rules = read_verdicts(out, "sa-nobayes")
    if facteur:
        sources = sorted({(r["label"], r["source"], r["synthetic"]) for r in facteur})
        lines.append(f"  {'label':5} {'source':30} {'Facteur p>=0.95':>16} {'Facteur verdict':>16} "
                     f"{'SA rules':>9} {'SA rules+Bayes':>15}")
        for label, source, synthetic in sources:
            def count(rows, column):
                if rows is None:
                    return "-"
                picked = [r for r in rows if (r["label"], r["source"], r["synthetic"]) == (label, source, synthetic)]
                return f"{sum(1 for r in picked if r[column] == '1')}/{len(picked)}"
            shown = source + (" (variants)" if synthetic == "1" else "")
            lines.append(f"  {label:5} {shown:30} {count(facteur, 'spam_at_95'):>16} "
                         f"{count(facteur, 'full_junk'):>16} {count(sa_rules, 'full_junk'):>9} "
                         f"{count(sa, 'full_junk'):>15}")
        undecided = sum(1 for r in facteur if "p=0.05-0.80" in r["detail"])
        lines.append(f"  Facteur's Bayes gave no BAYES_ rule (0.05 < p < 0.80) on {undecided} of {len(facteur)} "
                     f"test messages.")
    text = "\n".join(lines) + "\n"
    (out / "report.txt").write_text(text)
    print(text)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    command, out = argv[1], Path(argv[2])
    if command == "corpus":
        build_corpus(Path(argv[2]), Path(argv[3]))
    elif command == "facteur":
        run_all(out, "facteur", facteur_judge(argv[3], argv[4], argv[5]))
    elif command == "spamassassin":
        run_all(out, argv[3], spamassassin_judge(argv[5:]))
    elif command == "report":
        report(out)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
