#ifndef MERIDIAN_LAB_TIMESTAMP_SHIM_H
#define MERIDIAN_LAB_TIMESTAMP_SHIM_H
/// Lab only (LD_PRELOAD into chronyd): see no_kernel_timestamps.c.
int meridian_lab_timestamp_shim_version(void);
#endif
