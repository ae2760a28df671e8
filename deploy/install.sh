#!/usr/bin/env bash
# Installs Switchboard on a fresh Debian or Ubuntu server, or brings an installed one up to date:
# Java, PostgreSQL (Debian's, or the embedded one), the switchboard user, the jar and the web app,
# the systemd units and their environment files, the nginx site (with a Let's Encrypt certificate,
# or certificate files of your own) and the firewall (ssh, 80 and 443 only). Running it twice
# changes nothing the second time: every step reports "changed" or "unchanged".
# Options: deploy/README.md, or deploy/install.sh --help.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: deploy/install.sh --domain NAME [options]

  --domain NAME         the public name nginx serves (required)
  --email ADDRESS       for the Let's Encrypt certificate (certbot), unless --cert/--key are given
  --cert PATH --key PATH
                        certificate chain and key of your own (no certbot)
  --jar PATH            the jar to install (default: app/target/switchboard.jar, built with
                        Maven when missing)
  --database embedded|local
                        embedded (default): the embedded PostgreSQL in /var/lib/switchboard;
                        local: Debian's postgresql package, with a role and database switchboard
  --split               one unit per service (needs --database local) instead of one JVM
  --ssh-port PORT       the SSH port the firewall keeps open (default 22)
  --root DIR            install the files under DIR (for tests and packaging): no packages, user,
                        database, certificate, firewall or systemctl; those are only printed
  --dry-run             print every command and every file, change nothing
  -h, --help            this text
EOF
}

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOMAIN=""
EMAIL=""
CERT=""
KEY=""
JAR=""
DATABASE=embedded
SPLIT=0
SSH_PORT=""
ROOT=""
DRY=0
SERVICES=(system-stats gateway ws-hub supervisor file-processor mcp-host)
USER_NAME=switchboard

die() {
  echo "install.sh: $*" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --domain) DOMAIN=${2:?--domain needs a name}; shift 2 ;;
    --email) EMAIL=${2:?--email needs an address}; shift 2 ;;
    --cert) CERT=${2:?--cert needs a path}; shift 2 ;;
    --key) KEY=${2:?--key needs a path}; shift 2 ;;
    --jar) JAR=${2:?--jar needs a path}; shift 2 ;;
    --database) DATABASE=${2:?--database needs embedded or local}; shift 2 ;;
    --split) SPLIT=1; shift ;;
    --ssh-port) SSH_PORT=${2:?--ssh-port needs a port}; shift 2 ;;
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

[ -n "$DOMAIN" ] || die "--domain is required (the public name, e.g. switchboard.example.com)"
[[ "$DOMAIN" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || die "--domain: not a host name: $DOMAIN"
case "$DATABASE" in embedded | local) ;; *) die "--database: embedded or local, not $DATABASE" ;; esac
if [ -z "$SSH_PORT" ]; then
  # the port sshd listens on, so that the firewall does not lock you out
  SSH_PORT=$(sshd -T 2>/dev/null | awk '$1 == "port" { print $2; exit }' || true)
  if [ -z "$ROOT" ] && [ -n "$SSH_PORT" ] && [ "$SSH_PORT" != 22 ]; then
    echo "sshd listens on port $SSH_PORT: the firewall keeps that one open (--ssh-port to choose)"
  fi
  [ -n "$SSH_PORT" ] && [ -z "$ROOT" ] || SSH_PORT=22
fi
[[ "$SSH_PORT" =~ ^[0-9]+$ ]] || die "--ssh-port: not a port: $SSH_PORT"
if [ "$SPLIT" = 1 ] && [ "$DATABASE" != local ]; then
  die "--split needs --database local (the split units share one PostgreSQL server)"
fi
if [ -n "$CERT" ] || [ -n "$KEY" ]; then
  if [ -z "$CERT" ] || [ -z "$KEY" ]; then die "--cert and --key go together"; fi
else
  CERT=/etc/letsencrypt/live/$DOMAIN/fullchain.pem
  KEY=/etc/letsencrypt/live/$DOMAIN/privkey.pem
  OWN_CERT=0
fi
OWN_CERT=${OWN_CERT:-1}
if [ -n "$ROOT" ]; then
  if [ "$DRY" = 0 ]; then mkdir -p "$ROOT" || die "--root: cannot create $ROOT"; fi
  ROOT=$(cd "$ROOT" 2>/dev/null && pwd || echo "$ROOT")
fi
JAR=${JAR:-$REPO/app/target/switchboard.jar}

# A real install: Debian or Ubuntu, as root.
if [ -z "$ROOT" ] && [ "$DRY" = 0 ]; then
  # shellcheck disable=SC1091
  . /etc/os-release 2>/dev/null || die "no /etc/os-release: not Debian or Ubuntu"
  case " ${ID:-} ${ID_LIKE:-} " in
    *" debian "* | *" ubuntu "*) ;;
    *) die "this installs on Debian or Ubuntu only (this is ${PRETTY_NAME:-${ID:-unknown}})" ;;
  esac
  [ "$(id -u)" = 0 ] || die "run it as root (sudo deploy/install.sh ...)"
fi

CHANGED=0
UNCHANGED=0
report() { # report changed|unchanged|skipped|would-change WHAT
  case "$1" in
    changed | would-change) CHANGED=$((CHANGED + 1)) ;;
    unchanged) UNCHANGED=$((UNCHANGED + 1)) ;;
  esac
  printf '%-13s %s\n' "[$1]" "$2"
}

# A command that changes the system: printed, and run unless --dry-run.
run() {
  echo "+ $*"
  if [ "$DRY" = 0 ]; then
    "$@"
  fi
}

# System steps (packages, user, database, certificate, firewall, systemctl) happen only without
# --root: under --root they are printed, like --dry-run prints them.
system() { [ -z "$ROOT" ]; }
real() { [ -z "$ROOT" ] && [ "$DRY" = 0 ]; }
sys_run() {
  if system; then
    run "$@"
  else
    echo "+ $* (skipped under --root)"
  fi
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# put DEST MODE OWNER SOURCE [SECRET]: installs SOURCE's content as ROOT/DEST with MODE and OWNER
# (user:group, applied only when that user exists and this is not --root) unless it holds that
# already. SECRET=secret: a file holding secrets, printed without their values under --dry-run;
# SECRET=binary: a file --dry-run does not print.
# Sets PUT_CHANGED=1 when it wrote.
PUT_CHANGED=0
put() {
  local dest=$ROOT$1 mode=$2 owner=$3 source=$4 secret=${5:-}
  local same=0
  if [ -f "$dest" ] && cmp -s "$source" "$dest" \
    && [ "$(stat -c %a "$dest")" = "${mode#0}" ]; then
    same=1
  fi
  if [ "$same" = 1 ]; then
    report unchanged "file $1"
    return
  fi
  PUT_CHANGED=1
  if [ "$DRY" = 1 ]; then
    report would-change "file $1 (mode $mode, owner $owner)"
    if [ "$secret" = binary ]; then
      echo "    | (binary: $(stat -c %s "$source") bytes from $source)"
    elif [ "$secret" = secret ]; then
      sed -E 's/^((ADMIN|EMIT)_TOKEN=).*/\1<secret>/; s|^(DATABASE_URL=postgresql://[^:]*:)[^@]*@|\1<secret>@|' "$source" | sed 's/^/    | /'
    else
      sed 's/^/    | /' "$source"
    fi
    return
  fi
  mkdir -p "$(dirname "$dest")"
  install -m "$mode" "$source" "$dest.install-tmp"
  if system && id -u "${owner%%:*}" >/dev/null 2>&1; then
    chown "$owner" "$dest.install-tmp"
  fi
  mv -f "$dest.install-tmp" "$dest"
  report changed "file $1 (mode $mode, owner $owner)"
}

# put_once DEST SOURCE: an environment file, written only when there is none: one that exists has
# been edited or holds the secrets generated the first time, and is never overwritten.
put_once() {
  if [ -f "$ROOT$1" ]; then
    if [ "$(stat -c %a "$ROOT$1")" != 600 ]; then
      if [ "$DRY" = 1 ]; then
        report would-change "mode of $1 to 0600"
      else
        chmod 0600 "$ROOT$1"
        report changed "mode of $1 to 0600 (kept its content)"
      fi
      return
    fi
    report unchanged "file $1 (exists: kept as it is, edit it by hand)"
    return
  fi
  put "$1" 0600 root:root "$2" secret
}

token() { # a new random secret: 48 hex digits
  if [ "$DRY" = 1 ]; then
    echo "generated-when-installed"
  else
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'
  fi
}

echo "Switchboard install: domain $DOMAIN, database $DATABASE, $([ "$SPLIT" = 1 ] && echo "one unit per service" || echo "one JVM")${ROOT:+, under $ROOT}$([ "$DRY" = 1 ] && echo ", dry run")"

# 1. Packages.
java_package() {
  if apt-cache show openjdk-17-jre-headless >/dev/null 2>&1; then
    echo openjdk-17-jre-headless
  else
    echo openjdk-21-jre-headless
  fi
}
PACKAGES=(nginx ufw unzip ca-certificates)
if system; then
  if command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
    :
  else
    PACKAGES+=("$(java_package)")
  fi
else
  PACKAGES+=(openjdk-17-jre-headless)
fi
[ "$DATABASE" = local ] && PACKAGES+=(postgresql)
[ "$OWN_CERT" = 0 ] && PACKAGES+=(certbot)
MISSING=()
for p in "${PACKAGES[@]}"; do
  if ! system || [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    MISSING+=("$p")
  fi
done
if ! system; then
  sys_run apt-get install -y "${MISSING[@]}"
  report skipped "packages ${MISSING[*]} (--root)"
elif [ ${#MISSING[@]} -eq 0 ]; then
  report unchanged "packages ${PACKAGES[*]}"
else
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${MISSING[@]}"
  report "$([ "$DRY" = 1 ] && echo would-change || echo changed)" "packages ${MISSING[*]} installed"
fi

# 2. The service user.
if ! system; then
  sys_run useradd --system --user-group --home-dir /var/lib/switchboard --shell /usr/sbin/nologin "$USER_NAME"
  report skipped "user $USER_NAME (--root)"
elif id -u "$USER_NAME" >/dev/null 2>&1; then
  report unchanged "user $USER_NAME"
else
  run useradd --system --user-group --home-dir /var/lib/switchboard --shell /usr/sbin/nologin "$USER_NAME"
  report "$([ "$DRY" = 1 ] && echo would-change || echo changed)" "user $USER_NAME created"
fi

# 3. The jar, jvm.options and the web app unpacked for nginx.
if [ ! -f "$JAR" ]; then
  if [ "$JAR" = "$REPO/app/target/switchboard.jar" ] && command -v mvn >/dev/null 2>&1; then
    (cd "$REPO" && run mvn -B -q -DskipTests -pl app -am package)
  fi
  [ -f "$JAR" ] || [ "$DRY" = 1 ] || die "no jar at $JAR: pass --jar PATH, or build it (mvn -B -DskipTests package)"
fi
APP_CHANGED=0
if [ -f "$JAR" ]; then
  PUT_CHANGED=0
  put /opt/switchboard/switchboard.jar 0644 root:root "$JAR" binary
  put /opt/switchboard/jvm.options 0644 root:root "$REPO/jvm.options"
  APP_CHANGED=$PUT_CHANGED
  mkdir -p "$WORK/unpacked"
  unzip -q -o "$JAR" 'webroot/*' -d "$WORK/unpacked" || die "$JAR holds no webroot/: not Switchboard's jar"
  if [ -d "$ROOT/opt/switchboard/webroot" ] && diff -r -q "$WORK/unpacked/webroot" "$ROOT/opt/switchboard/webroot" >/dev/null; then
    report unchanged "directory /opt/switchboard/webroot (the web app from the jar)"
  elif [ "$DRY" = 1 ]; then
    echo "+ unzip -o $JAR 'webroot/*' -d /opt/switchboard"
    report would-change "directory /opt/switchboard/webroot (the web app from the jar)"
  else
    mkdir -p "$ROOT/opt/switchboard"
    rm -rf "$ROOT/opt/switchboard/webroot.install-tmp"
    cp -r "$WORK/unpacked/webroot" "$ROOT/opt/switchboard/webroot.install-tmp"
    chmod -R u=rwX,go=rX "$ROOT/opt/switchboard/webroot.install-tmp"
    rm -rf "$ROOT/opt/switchboard/webroot"
    mv "$ROOT/opt/switchboard/webroot.install-tmp" "$ROOT/opt/switchboard/webroot"
    report changed "directory /opt/switchboard/webroot (the web app from the jar)"
  fi
else
  echo "+ install -m 0644 $JAR $REPO/jvm.options /opt/switchboard/"
  report would-change "file /opt/switchboard/switchboard.jar (from $JAR, once built)"
fi

# 4. PostgreSQL from the distribution: a role and a database of Switchboard's own.
ENV_DIR=/etc/switchboard
if [ "$SPLIT" = 1 ]; then MAIN_ENV=$ENV_DIR/cluster.env; else MAIN_ENV=$ENV_DIR/switchboard.env; fi
DB_PASSWORD=""
if [ "$DATABASE" = local ]; then
  if [ -f "$ROOT$MAIN_ENV" ]; then
    DB_PASSWORD=$(sed -n 's|^DATABASE_URL=postgresql://switchboard:\([^@]*\)@.*|\1|p' "$ROOT$MAIN_ENV")
  fi
  DB_PASSWORD=${DB_PASSWORD:-$(token)}
  psql_postgres() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
  if ! system; then
    echo "+ runuser -u postgres -- psql -c \"CREATE ROLE switchboard LOGIN PASSWORD '<secret>'\" (skipped under --root)"
    echo "+ runuser -u postgres -- createdb --owner switchboard switchboard (skipped under --root)"
    report skipped "PostgreSQL role and database switchboard (--root)"
  elif [ "$DRY" = 1 ] && ! command -v psql >/dev/null 2>&1; then
    echo "+ runuser -u postgres -- psql -c \"CREATE ROLE switchboard LOGIN PASSWORD '<secret>'\""
    echo "+ runuser -u postgres -- createdb --owner switchboard switchboard"
    report would-change "PostgreSQL role and database switchboard"
  else
    if ! role=$(psql_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'switchboard'" 2>&1) \
      || ! db=$(psql_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'switchboard'" 2>&1); then
      [ "$DRY" = 1 ] || die "PostgreSQL does not answer (systemctl status postgresql): $role $db"
      echo "  (PostgreSQL does not answer now: counted as having neither)"
      role="" db=""
    fi
    if [ "$role" = 1 ] && [ "$db" = 1 ]; then
      report unchanged "PostgreSQL role and database switchboard"
    else
      if [ "$role" != 1 ]; then
        echo "+ runuser -u postgres -- psql -c \"CREATE ROLE switchboard LOGIN PASSWORD '<secret>'\""
        [ "$DRY" = 1 ] || psql_postgres -c "CREATE ROLE switchboard LOGIN PASSWORD '$DB_PASSWORD'"
      fi
      if [ "$db" != 1 ]; then
        run runuser -u postgres -- createdb --owner switchboard switchboard
      fi
      report "$([ "$DRY" = 1 ] && echo would-change || echo changed)" "PostgreSQL role and database switchboard"
    fi
  fi
fi

# 5. Environment files: written once (the secrets are generated then), never overwritten.
main_env() {
  local example=$1
  sed -e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=$DOMAIN|" \
    -e "s|^CORS_ORIGINS=.*|CORS_ORIGINS=https://$DOMAIN|" \
    -e "s|^#\{0,1\}ADMIN_TOKEN=.*|ADMIN_TOKEN=$(token)|" \
    -e "s|^#\{0,1\}EMIT_TOKEN=.*|EMIT_TOKEN=$(token)|" "$example" >"$WORK/main.env"
  if [ "$DATABASE" = local ]; then
    sed -i "s|^#\{0,1\}DATABASE_URL=.*|DATABASE_URL=postgresql://switchboard:$DB_PASSWORD@127.0.0.1:5432/switchboard|" "$WORK/main.env"
  fi
  if ! grep -q "^ALLOWED_HOSTS=$DOMAIN\$" "$WORK/main.env" || ! grep -q '^ADMIN_TOKEN=.' "$WORK/main.env"; then
    die "$example no longer has the lines this script fills in"
  fi
}
if [ "$SPLIT" = 1 ]; then
  UNITS=()
  for s in "${SERVICES[@]}"; do UNITS+=("switchboard-$s"); done
  main_env "$REPO/deploy/systemd/cluster.env.example"
  PUT_CHANGED=0
  put_once "$ENV_DIR/cluster.env" "$WORK/main.env"
  for s in "${SERVICES[@]}"; do
    put_once "$ENV_DIR/switchboard-$s.env" "$REPO/deploy/systemd/switchboard-$s.env.example"
  done
else
  UNITS=(switchboard)
  main_env "$REPO/deploy/systemd/switchboard.env.example"
  PUT_CHANGED=0
  put_once "$ENV_DIR/switchboard.env" "$WORK/main.env"
fi
ENV_CHANGED=$PUT_CHANGED

# 6. The units.
PUT_CHANGED=0
for u in "${UNITS[@]}"; do
  put "/etc/systemd/system/$u.service" 0644 root:root "$REPO/deploy/systemd/$u.service"
done
UNITS_CHANGED=$PUT_CHANGED

# 7. The certificate: Let's Encrypt through the ACME location of the port-80 server, unless files
# of your own were given.
ACME_ONLY=0
if [ "$OWN_CERT" = 1 ]; then
  report unchanged "certificate $CERT (given)"
elif [ -f "$ROOT$CERT" ]; then
  report unchanged "certificate $CERT"
elif ! system; then
  echo "+ certbot certonly --webroot -w /var/www/html -d $DOMAIN ... (skipped under --root)"
  report skipped "certificate $CERT (--root)"
else
  [ -n "$EMAIL" ] || die "no certificate at $CERT: pass --email (for certbot) or --cert and --key"
  ACME_ONLY=1 # the full site needs the certificate: serve the ACME challenges first
fi

# 8. The nginx site.
render_site() {
  echo "# Switchboard behind nginx: nginx/switchboard.conf as deploy/install.sh wrote it (rerun that rather than edit)." >"$WORK/site.conf"
  sed -e '1,3{/^#/d}' -e "s|server_name switchboard.example.com;|server_name $DOMAIN;|" \
    -e "s|/etc/letsencrypt/live/switchboard.example.com/fullchain.pem|$CERT|" \
    -e "s|/etc/letsencrypt/live/switchboard.example.com/privkey.pem|$KEY|" \
    "$REPO/nginx/switchboard.conf" >>"$WORK/site.conf"
}
site_link() {
  local link=$ROOT/etc/nginx/sites-enabled/switchboard
  if [ "$(readlink "$link" 2>/dev/null)" = /etc/nginx/sites-available/switchboard ]; then
    report unchanged "link /etc/nginx/sites-enabled/switchboard"
  elif [ "$DRY" = 1 ]; then
    echo "+ ln -sfn /etc/nginx/sites-available/switchboard /etc/nginx/sites-enabled/switchboard"
    report would-change "link /etc/nginx/sites-enabled/switchboard"
  else
    mkdir -p "$ROOT/etc/nginx/sites-enabled"
    ln -sfn /etc/nginx/sites-available/switchboard "$link"
    report changed "link /etc/nginx/sites-enabled/switchboard"
  fi
}
reload_nginx() {
  if real; then
    nginx -t -q || die "nginx -t failed: see above"
  fi
  sys_run systemctl reload-or-restart nginx
}
if [ "$ACME_ONLY" = 1 ]; then
  cat >"$WORK/acme.conf" <<EOF
# Switchboard, until its certificate exists (deploy/install.sh): ACME challenges only.
server {
    listen 80;
    listen [::]:80;
    server_name $DOMAIN;
    location /.well-known/acme-challenge/ {
        root /var/www/html;
    }
}
EOF
  put /etc/nginx/sites-available/switchboard 0644 root:root "$WORK/acme.conf"
  site_link
  run mkdir -p /var/www/html
  reload_nginx
  run certbot certonly --webroot -w /var/www/html -d "$DOMAIN" --email "$EMAIL" --agree-tos --non-interactive \
    --deploy-hook "systemctl reload nginx"
  report "$([ "$DRY" = 1 ] && echo would-change || echo changed)" "certificate $CERT (Let's Encrypt; certbot renews it)"
fi
render_site
PUT_CHANGED=0
put /etc/nginx/sites-available/switchboard 0644 root:root "$WORK/site.conf"
SITE_CHANGED=$PUT_CHANGED
site_link
if [ -e "$ROOT/etc/nginx/sites-enabled/default" ] || [ -L "$ROOT/etc/nginx/sites-enabled/default" ]; then
  # Debian's default site also listens on 80 (default_server): the name goes to Switchboard's
  run rm -f "$ROOT/etc/nginx/sites-enabled/default"
  report "$([ "$DRY" = 1 ] && echo would-change || echo changed)" "Debian's default nginx site disabled"
  SITE_CHANGED=1
fi
if [ "$SITE_CHANGED" = 1 ] || [ "$ACME_ONLY" = 1 ]; then
  reload_nginx
fi

# 9. The firewall: ssh, 80 and 443 in, nothing else (the gateway, hub and cluster ports stay
# closed to the outside whatever their BIND_HOST).
if ! system || { [ "$DRY" = 1 ] && ! command -v ufw >/dev/null 2>&1; }; then
  for rule in "default deny incoming" "default allow outgoing" "allow $SSH_PORT/tcp" "allow 80/tcp" "allow 443/tcp" "--force enable"; do
    # shellcheck disable=SC2086 # the rule is words
    sys_run ufw $rule
  done
  report "$(system && echo would-change || echo skipped)" "firewall: ufw allows $SSH_PORT/tcp, 80/tcp, 443/tcp only$(system || echo ' (--root)')"
else
  before=$(ufw status verbose 2>/dev/null || true)
  want=1
  for p in "$SSH_PORT/tcp" 80/tcp 443/tcp; do
    grep -Eq "^$p +ALLOW IN +Anywhere *\$" <<<"$before" || want=0
  done
  grep -q '^Status: active' <<<"$before" || want=0
  grep -q 'Default: deny (incoming)' <<<"$before" || want=0
  if [ "$want" = 1 ]; then
    report unchanged "firewall: ufw allows $SSH_PORT/tcp, 80/tcp, 443/tcp only"
  else
    run ufw default deny incoming
    run ufw default allow outgoing
    run ufw allow "$SSH_PORT/tcp"
    run ufw allow 80/tcp
    run ufw allow 443/tcp
    run ufw --force enable
    report "$([ "$DRY" = 1 ] && echo would-change || echo changed)" "firewall: ufw allows $SSH_PORT/tcp, 80/tcp, 443/tcp only"
  fi
fi

# 10. systemd: reload, enable, start; restart when the jar, an environment file or a unit changed.
if ! system; then
  sys_run systemctl daemon-reload
  sys_run systemctl enable --now "${UNITS[@]}"
  report skipped "units ${UNITS[*]} enabled and started (--root)"
else
  [ "$UNITS_CHANGED" = 1 ] && run systemctl daemon-reload
  todo=()
  restart=()
  for u in "${UNITS[@]}"; do
    if [ "$DRY" = 1 ] || ! systemctl is-enabled --quiet "$u" 2>/dev/null || ! systemctl is-active --quiet "$u"; then
      todo+=("$u")
    elif [ "$APP_CHANGED" = 1 ] || [ "$ENV_CHANGED" = 1 ] || [ "$UNITS_CHANGED" = 1 ]; then
      restart+=("$u")
    fi
  done
  # the other layout's units, from an install with(out) --split before: stopped, so that two JVMs
  # do not compete for the same ports
  if [ "$SPLIT" = 1 ]; then OTHER=(switchboard); else OTHER=("${SERVICES[@]/#/switchboard-}"); fi
  for u in "${OTHER[@]}"; do
    if [ -f "/etc/systemd/system/$u.service" ] && systemctl is-enabled --quiet "$u" 2>/dev/null; then
      run systemctl disable --now "$u"
      report "$([ "$DRY" = 1 ] && echo would-change || echo changed)" "unit $u (the other layout) disabled and stopped"
    fi
  done
  [ ${#todo[@]} -eq 0 ] || run systemctl enable --now "${todo[@]}"
  [ ${#restart[@]} -eq 0 ] || run systemctl restart "${restart[@]}"
  if [ ${#todo[@]} -eq 0 ] && [ ${#restart[@]} -eq 0 ]; then
    report unchanged "units ${UNITS[*]} enabled and running"
  else
    report "$([ "$DRY" = 1 ] && echo would-change || echo changed)" "units ${todo[*]}${todo[*]:+ }${restart[*]:+(re)}${restart[*]} started"
  fi
fi

echo "Done: $CHANGED changed, $UNCHANGED unchanged$([ "$DRY" = 1 ] && echo " (dry run: nothing was changed)")."
if [ "$DRY" = 0 ] && [ "$CHANGED" -gt 0 ]; then
  echo "The admin token is ADMIN_TOKEN in $MAIN_ENV; sign in at https://$DOMAIN/."
fi
