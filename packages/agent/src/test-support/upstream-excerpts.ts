/**
 * The applesmc.768 blocks of prometheus/node_exporter `collector/fixtures/sys.ttar` @a7dcc3a0
 * (lines 1393-1394 and 8408-8492), verbatim. They are the fixture's "sensors live on device/, name
 * in device/name" case, and the shared `node_exporter-sys-hwmon.ttar` lacks them: it kept only
 * blocks whose path contains "hwmon", and `sys/devices/platform/applesmc.768/fan1_input` does not.
 * Delete this once the shared fixture carries these blocks; node_exporter-e2e-hwmon.prom already
 * lists their values (fan1 0 rpm, fan2 1998 rpm).
 */
export const applesmcTtarExcerpt = `# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/class/hwmon/hwmon2
SymlinkTo: ../../devices/platform/applesmc.768/hwmon/hwmon2
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Directory: sys/devices/platform/applesmc.768
Mode: 755
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan1_input
Lines: 1
0
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan1_label
Lines: 1
Left side
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan1_manual
Lines: 1
0
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan1_max
Lines: 1
6156
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan1_min
Lines: 1
2160
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan1_output
Lines: 1
2160
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan1_safe
Lines: 0
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan2_input
Lines: 1
1998
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan2_label
Lines: 1
Right side
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan2_manual
Lines: 1
0
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan2_max
Lines: 1
5700
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan2_min
Lines: 1
2000
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan2_output
Lines: 1
2000
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/fan2_safe
Lines: 0
Mode: 644
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Directory: sys/devices/platform/applesmc.768/hwmon
Mode: 755
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Directory: sys/devices/platform/applesmc.768/hwmon/hwmon2
Mode: 755
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/hwmon/hwmon2/device
SymlinkTo: ../../../applesmc.768
# ttar - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
Path: sys/devices/platform/applesmc.768/name
Lines: 1
applesmc
Mode: 644
`;
