#!/bin/sh
# The system tools the tests and the demo use. On Debian/Ubuntu (apt-get) the missing ones are
# installed, as root or through sudo; elsewhere this prints what to install and goes on: the tests
# that need a missing tool skip with a reason (under CI=true a skip fails the run).
#   command       Debian package             what for
#   chromium      chromium                   browser tests, `--render browser` crawls
#   fc-list zh    fonts-wqy-microhei         Chinese in screenshots and LibreOffice's PDFs
#   soffice       libreoffice-writer-nogui   DOC/WPS conversion, generated PDF/DOC fixtures
#   antiword      antiword                   legacy DOC fallback
#   catdoc        catdoc                     legacy DOC fallback
#   redis-server  redis-server               distributed crawls
#   systemd-analyze systemd                  checks the OnCalendar lines `xxgk schedule` writes
missing=""
have() { command -v "$1" >/dev/null 2>&1; }
have chromium || have chromium-browser || missing="$missing chromium"
{ have fc-list && fc-list :lang=zh | grep -q .; } || missing="$missing fonts-wqy-microhei"
have soffice || missing="$missing libreoffice-writer-nogui"
have antiword || missing="$missing antiword"
have catdoc || missing="$missing catdoc"
have redis-server || missing="$missing redis-server"
have systemd-analyze || missing="$missing systemd"
[ -z "$missing" ] && exit 0
if have apt-get; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "installing system packages:$missing"
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
else
  echo "not installed (tests that need them will skip):$missing"
  echo "install them with your system's package manager (names above are Debian's), or Homebrew:"
  echo "  brew install --cask chromium libreoffice; brew install antiword catdoc redis"
fi
