#!/usr/bin/env python3
"""Write the mailbox bench/search.sh searches: a Maildir of N distinct French messages of 2-6 KB.

    search_corpus.py MAILDIR [--count 100000] [--rare zanzibarique] [--rare-count 10] [--seed 7]

MAILDIR/cur/ gets one file per message, named so that their order is the order of the messages (Dovecot and
`facteur import maildir` then hand out UIDs in that order). The mix, as a French mailbox holds: text/plain in
UTF-8 8bit (55%), quoted-printable (20%), base64 (10%), multipart/alternative with a quoted-printable HTML part
(15%); accents everywhere, and encoded-word subjects. The rare word is in the body of exactly `--rare-count`
messages, spread over the mailbox and over the encodings, always as a whole word that every server decodes the
same way; no word of the vocabulary contains it or the absent words bench/search.sh asks for. Prints one line:
how many messages, their total size, and which ones hold the rare word (their Message-IDs).
"""
import argparse
import base64
import os
import quopri
import random
import unicodedata
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime

WORDS = (
    "le la les un une des du de et à au aux en dans pour par sur avec sans sous chez vers entre pendant "
    "nous vous ils elles on je tu il elle ce cette ces mon ton son notre votre leur qui que quoi dont où "
    "réunion projet équipe été déjà très après première dernière société répondre reçu envoyé prévu prévue "
    "français française élève école théâtre hôpital château fenêtre forêt tête fête même être "
    "noël garçon leçon reçu ça façon commerçant français crème père mère frère café thé "
    "budget rapport facture commande livraison semaine demain hier aujourd'hui matin soir réponse question "
    "dossier document pièce jointe version relecture correction validation planning calendrier congés "
    "client fournisseur contrat signature devis tarif remise échéance paiement virement relance "
    "bonjour merci cordialement bien à bientôt amicalement salutations excellente journée "
    "serveur courrier message boîte dossier filtre recherche index lecture écriture sauvegarde "
    "problème solution idée proposition décision priorité urgent important rappel suivi étape "
    "réseau sécurité mot passe accès compte utilisateur administrateur mise jour installation "
    "Paris Lyon Marseille Toulouse Bordeaux Lille Nantes Strasbourg Rennes Grenoble Montréal Genève"
).split()
NAMES = [("Amélie", "Dupré"), ("Benoît", "Lefèvre"), ("Céline", "Moreau"), ("Denis", "Girard"),
         ("Élodie", "Bonnet"), ("François", "Mercier"), ("Gaëlle", "Rousseau"), ("Hélène", "Faure"),
         ("Jérôme", "Blanc"), ("Léa", "Chevalier"), ("Maël", "Fontaine"), ("Noémie", "Lambert"),
         ("Océane", "Roux"), ("Pierre", "Gauthier"), ("Raphaël", "Perrin"), ("Sébastien", "Morel")]
KINDS = [("plain", 55), ("qp", 20), ("base64", 10), ("html", 15)]


def ascii_name(name):
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


def sentence(rng):
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words) + rng.choice([".", ".", ".", " ?", " !"])


def paragraphs(rng, nbytes, rare):
    """Text of about `nbytes` UTF-8 bytes, in paragraphs of a few sentences; `rare` (if any) inside one."""
    paras, size = [], 0
    while size < nbytes:
        para = " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))
        paras.append(para)
        size += len(para.encode()) + 2
    if rare:
        at = rng.randrange(len(paras))
        words = paras[at].split(" ")
        words.insert(rng.randint(1, len(words) - 1), rare)
        paras[at] = " ".join(words)
    return paras


def wrap(para, width=72):
    lines, line = [], ""
    for word in para.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def plain_text(paras, quoted):
    lines = []
    for para in paras:
        lines += wrap(para) + [""]
    if quoted:  # a reply quotes part of the previous message
        lines += ["Le 3 mars, quelqu'un a écrit :"] + ["> " + l for l in wrap(quoted)]
    return "\n".join(lines) + "\n"


def b64_lines(data):
    encoded = base64.b64encode(data).decode()
    return "\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76)) + "\n"


def qp(text):
    return quopri.encodestring(text.encode()).decode()


def message(rng, i, date, rare):
    (first, last), (tfirst, tlast) = rng.sample(NAMES, 2)
    subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
    if rng.random() < 0.3:
        subject = "Re: " + subject
    kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    if rare:  # spread the rare word over the encodings, every one of them at least twice
        kind = [k for k, _ in KINDS][rare[1] % len(KINDS)]
        rare = rare[0]
    # The HTML kind carries its text twice (plain and HTML): half as much of it keeps every message in 2-6 KB.
    paras = paragraphs(rng, rng.randint(700, 2200) if kind == "html" else rng.randint(1500, 5000), rare)
    quoted = sentence(rng) if rng.random() < 0.3 else None
    text = plain_text(paras, quoted)
    headers = [
        f"Return-Path: <{ascii_name(first)}@remote.test>",
        f"Received: from mx.remote.test (mx.remote.test [192.0.2.{i % 250 + 1}]) by mail.example.test; "
        + format_datetime(date),
        f"From: {Header(f'{first} {last}', 'utf-8').encode()} <{ascii_name(first)}.{ascii_name(last)}@remote.test>",
        f"To: {Header(f'{tfirst} {tlast}', 'utf-8').encode()} <carol@example.test>",
        f"Subject: {Header(subject, 'utf-8').encode()}",
        f"Date: {format_datetime(date)}",
        f"Message-ID: <search-{i}@remote.test>",
        "MIME-Version: 1.0",
    ]
    if kind == "plain":
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        body = text
    elif kind == "qp":
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable"]
        body = qp(text)
    elif kind == "base64":
        headers += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64"]
        body = b64_lines(text.encode())
    else:
        html = "<html><body>\n" + "\n".join(f"<p>{p}</p>" for p in paras) + "\n</body></html>\n"
        boundary = f"=_alt_{i}_{rng.getrandbits(32):08x}"
        headers += [f'Content-Type: multipart/alternative; boundary="{boundary}"']
        body = (f"--{boundary}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                f"{qp(text)}\n--{boundary}\nContent-Type: text/html; charset=utf-8\n"
                f"Content-Transfer-Encoding: quoted-printable\n\n{qp(html)}\n--{boundary}--\n")
    return ("\n".join(headers) + "\n\n" + body).encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("maildir")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--rare", default="zanzibarique")
    parser.add_argument("--rare-count", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    assert not any(args.rare in w.lower() for w in WORDS)
    rng = random.Random(args.seed)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(args.maildir, sub), exist_ok=True)
    # Spread evenly, first and last included: a search must not stop early.
    step = max((args.count - 1) // max(args.rare_count - 1, 1), 1)
    rare_at = {min(k * step, args.count - 1): k for k in range(args.rare_count)}
    base = datetime(2025, 1, 6, 8, 0, tzinfo=timezone.utc)
    total = 0
    for i in range(args.count):
        date = base + timedelta(minutes=5 * i)
        rare = (args.rare, rare_at[i]) if i in rare_at else None
        data = message(rng, i, date, rare)
        total += len(data)
        stamp = int(date.timestamp())
        # LF line ends, as Maildir files have them; S= is the file's size, which Dovecot trusts.
        path = os.path.join(args.maildir, "cur", f"{stamp}.M{i:06d}P1.search-bench,S={len(data)}:2,S")
        with open(path, "wb") as out:
            out.write(data)
        os.utime(path, (stamp, stamp))
    ids = " ".join(f"<search-{i}@remote.test>" for i in sorted(rare_at))
    print(f"{args.count} messages, {total} bytes ({total // args.count} on average); {args.rare!r} in {ids}")


if __name__ == "__main__":
    main()
