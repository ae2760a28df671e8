# Sourced by the benchmarks: what the machine is doing besides them.

# CPU used by everything on the machine over 3 s, in percent of one core (call it while the
# benchmark's own processes are idle)
busy_pct() {
  local a b hz
  hz="$(getconf CLK_TCK)"
  a="$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat)"
  sleep 3
  b="$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat)"
  echo $(( (b - a) * 100 / (hz * 3) ))
}
