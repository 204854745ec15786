"""`federation`: instance policy and delivery health (behind `weerbaarnl federation ...`).

    federation block DOMAIN [--reason TEXT]   refuse DOMAIN and its subdomains both ways
    federation unblock DOMAIN
    federation allow DOMAIN                   put DOMAIN on the allow-list
    federation disallow DOMAIN
    federation mode open|allowlist
    federation status [DOMAIN]
    federation follow --as NAME HANDLE_OR_URL      local actor NAME follows a remote actor
    federation unfollow --as NAME HANDLE_OR_URL
    federation approve --as NAME FOLLOWER_URI      accept a pending follow request of NAME
    federation reject --as NAME FOLLOWER_URI
    federation requests [--as NAME]                list pending follow requests

DOMAIN may be given as a host, host:port or URL; it is reduced to the lower-case host[:port].
Blocking drops the pending deliveries to the domain (and its subdomains) and removes follow
relations with its actors, both directions; unblocking restores neither.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count, Q

from ...models import Actor, Delivery, FederationPolicy, Follow, Peer, RemoteActor
from ...policy import DomainRefused, check_domain, domain_of

LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def normalise_domain(value: str) -> str:
    """host[:port] in lower case from a host, host:port or URL; CommandError when invalid."""
    text = (value or "").strip()
    candidate = text if "://" in text else f"https://{text}"
    try:
        credentials = "@" in urlsplit(candidate).netloc
    except ValueError:
        credentials = True
    if credentials or any(c.isspace() for c in text):
        raise CommandError(f"{value!r} is not a domain name")
    domain = domain_of(candidate)
    host, _, port = domain.partition(":")
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise CommandError(f"{value!r} is not a domain name") from None
    labels = host.split(".")
    if not domain or len(host) > 253 or not all(LABEL.match(label) for label in labels):
        raise CommandError(f"{value!r} is not a domain name (e.g. social.example.org)")
    return f"{host}:{port}" if port else host


def covers(domain: str, host: str) -> bool:
    """Whether a block of `domain` covers `host` (host[:port]): itself and its subdomains."""
    if host == domain:
        return True
    if ":" in domain:
        return False
    name = host.split(":", 1)[0]
    return name == domain or name.endswith(f".{domain}")


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Block or allow other servers, set the federation mode, show delivery health."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        p = sub.add_parser("block", help="refuse a domain (and its subdomains) both ways")
        p.add_argument("domain")
        p.add_argument("--reason", default="", help="why (shown in the admin and in status)")
        sub.add_parser("unblock", help="lift a block").add_argument("domain")
        sub.add_parser("allow", help="put a domain on the allow-list").add_argument("domain")
        sub.add_parser("disallow", help="take a domain off the allow-list").add_argument("domain")
        sub.add_parser("mode", help="federate with everyone (open) or only the allow-list").add_argument(
            "mode", choices=[choice for choice, _ in FederationPolicy.Mode.choices])
        sub.add_parser("status", help="peers, their state and pending deliveries").add_argument(
            "domain", nargs="?")
        for action, text, target in (
            ("follow", "make a local actor follow a remote actor", "@user@host or actor URL"),
            ("unfollow", "stop following a remote actor", "@user@host or actor URL"),
            ("approve", "accept a pending follow request", "the follower's actor URI"),
            ("reject", "refuse a pending follow request", "the follower's actor URI"),
        ):
            p = sub.add_parser(action, help=text)
            p.add_argument("--as", dest="local", required=True, metavar="NAME", help="local actor name")
            p.add_argument("target", help=target)
        sub.add_parser("requests", help="pending follow requests of local actors").add_argument(
            "--as", dest="local", metavar="NAME", help="only this local actor")

    def handle(self, *args, action: str, **options):
        getattr(self, f"do_{action}")(**options)

    # --- policy ----------------------------------------------------------------------------

    def do_block(self, domain: str, reason: str = "", **_):
        domain = normalise_domain(domain)
        with transaction.atomic():
            peer, _ = Peer.objects.get_or_create(domain=domain)
            peer.blocked = True
            peer.reason = reason or peer.reason
            peer.save(update_fields=["blocked", "reason", "updated"])
            hosts = [h for h in Delivery.objects.filter(status=Delivery.Status.PENDING)
                     .values_list("host", flat=True).distinct() if covers(domain, h)]
            dropped = Delivery.objects.filter(status=Delivery.Status.PENDING, host__in=hosts).update(
                status=Delivery.Status.DROPPED, last_error=f"domain {domain} blocked")
            candidates = Follow.objects.filter(Q(follower_uri__icontains=domain.split(":")[0])
                                               | Q(followee_uri__icontains=domain.split(":")[0]))
            follow_ids = [pk for pk, a, b in candidates.values_list("pk", "follower_uri", "followee_uri")
                          if covers(domain, domain_of(a)) or covers(domain, domain_of(b))]
            removed, _ = Follow.objects.filter(pk__in=follow_ids).delete()
        self.stdout.write(f"Blocked {domain}: {dropped} pending deliveries dropped, {removed} follow "
                          "relations removed.")

    def do_unblock(self, domain: str, **_):
        domain = normalise_domain(domain)
        if not Peer.objects.filter(domain=domain, blocked=True).update(blocked=False, reason=""):
            raise CommandError(f"{domain} is not blocked")
        self.stdout.write(f"Unblocked {domain}. Follow relations removed by the block are not restored.")

    def do_allow(self, domain: str, **_):
        domain = normalise_domain(domain)
        peer, _ = Peer.objects.get_or_create(domain=domain)
        peer.allowed = True
        peer.save(update_fields=["allowed", "updated"])
        note = " It is also blocked; the block wins." if peer.blocked else ""
        self.stdout.write(f"{domain} is on the allow-list.{note}")

    def do_disallow(self, domain: str, **_):
        domain = normalise_domain(domain)
        if not Peer.objects.filter(domain=domain, allowed=True).update(allowed=False):
            raise CommandError(f"{domain} is not on the allow-list")
        self.stdout.write(f"{domain} is no longer on the allow-list.")

    def do_mode(self, mode: str, **_):
        policy = FederationPolicy.current()
        policy.mode = mode
        policy.save(update_fields=["mode", "updated"])
        allowed = Peer.objects.filter(allowed=True, blocked=False).count()
        extra = f" ({allowed} domains on the allow-list)" if mode == FederationPolicy.Mode.ALLOWLIST else ""
        self.stdout.write(f"Federation mode: {mode}{extra}.")

    # --- follows ---------------------------------------------------------------------------

    def _local(self, name: str) -> Actor:
        actor = Actor.objects.filter(username=name.lstrip("@").lower(), deleted_at__isnull=True).first()
        if actor is None:
            raise CommandError(f"there is no local actor {name!r}")
        return actor

    def do_follow(self, local: str, target: str, **_):
        from ...follows import FollowError, follow

        try:
            row = follow(self._local(local), target)
        except FollowError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{local} → {row.followee_uri}: {row.state} (Follow sent).")

    def do_unfollow(self, local: str, target: str, **_):
        from ...follows import FollowError, unfollow

        try:
            done = unfollow(self._local(local), target)
        except FollowError as exc:
            raise CommandError(str(exc)) from None
        if not done:
            raise CommandError(f"{local} does not follow {target}")
        self.stdout.write(f"{local} no longer follows {target} (Undo sent).")

    def _pending(self, local: str, follower: str) -> Follow:
        row = Follow.objects.filter(followee=self._local(local), follower_uri=follower,
                                    state=Follow.State.PENDING).first()
        if row is None:
            raise CommandError(f"no pending follow request from {follower} to {local}")
        return row

    def do_approve(self, local: str, target: str, **_):
        from ...inbound.follows import approve

        approve(self._pending(local, target))
        self.stdout.write(f"{target} now follows {local} (Accept sent).")

    def do_reject(self, local: str, target: str, **_):
        from ...inbound.follows import reject

        reject(self._pending(local, target))
        self.stdout.write(f"Follow request of {target} to {local} rejected (Reject sent).")

    def do_requests(self, local: str | None = None, **_):
        rows = Follow.objects.filter(state=Follow.State.PENDING, followee__isnull=False).select_related("followee")
        if local:
            rows = rows.filter(followee=self._local(local))
        for row in rows.order_by("created"):
            self.stdout.write(f"{row.followee.username}\t{row.follower_uri}\t{row.created:%Y-%m-%d %H:%M}")
        if not rows.exists():
            self.stdout.write("No pending follow requests.")

    # --- status ----------------------------------------------------------------------------

    def do_status(self, domain: str | None = None, **_):
        if domain:
            return self._status_one(normalise_domain(domain))
        mode = FederationPolicy.current().mode
        pending = dict(Delivery.objects.filter(status=Delivery.Status.PENDING).values("host")
                       .annotate(n=Count("pk")).values_list("host", "n"))
        peers = {p.domain: p for p in Peer.objects.all()}
        self.stdout.write(f"Federation mode: {mode}")
        if not peers and not pending:
            self.stdout.write("No peers yet.")
            return
        rows = [("DOMAIN", "STATE", "POLICY", "LAST SUCCESS", "FAILING SINCE", "PENDING")]
        for name in sorted(set(peers) | set(pending)):
            peer = peers.get(name) or Peer(domain=name)
            policy = "blocked" if peer.blocked else "allowed" if peer.allowed else "-"
            rows.append((name, peer.state, policy, _when(peer.last_success_at), _when(peer.first_failure_at),
                         str(pending.get(name, 0))))
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())

    def _status_one(self, domain: str):
        peer = Peer.objects.filter(domain=domain).first() or Peer(domain=domain)
        try:
            check_domain(domain)
            federates = "yes"
        except DomainRefused as exc:
            federates = f"no ({exc.reason})"
        counts = dict(Delivery.objects.filter(host=domain).values("status").annotate(n=Count("pk"))
                      .values_list("status", "n"))
        lines = [
            ("domain", domain),
            ("federates", federates),
            ("blocked", f"yes ({peer.reason})" if peer.blocked and peer.reason else "yes" if peer.blocked else "no"),
            ("allow-list", "yes" if peer.allowed else "no"),
            ("state", peer.state),
            ("last success", _when(peer.last_success_at)),
            ("failing since", _when(peer.first_failure_at)),
            ("last failure", _when(peer.last_failure_at)),
            ("deliveries", ", ".join(f"{counts.get(s, 0)} {s}" for s in Delivery.Status.values)),
            ("remote actors", str(RemoteActor.objects.filter(domain=domain).count())),
        ]
        for label, value in lines:
            self.stdout.write(f"{label + ':':<15}{value}")
