#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Only emergencies on the console: the script's lines stay whole.
dmesg -n 1
m() { echo "@@bootcheck ""$*"; }
# Self-tests run asynchronously: wait until none is pending.
settle() {
  i=0
  while grep -q '^selftest *: unknown' /proc/crypto && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
}
m start
echo "bootcheck: loading modules" > /dev/kmsg
modload -embedded fips140 -config /modules/fips140.config; m insmod fips140.ko rc=$?
insmod /modules/wp512.ko; m insmod wp512.ko rc=$?
settle
m begin crypto-loaded; cat /proc/crypto; m end crypto-loaded
rmmod wp512; m rmmod wp512 rc=$?
rmmod fips140; m rmmod fips140 rc=$?
settle
m begin crypto-unloaded; cat /proc/crypto; m end crypto-unloaded
m begin modules; cat /proc/modules; m end modules
m begin dmesg; dmesg; m end dmesg
m done
poweroff -f
