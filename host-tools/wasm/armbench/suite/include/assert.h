/* A failed assertion traps (unreachable), which every engine reports. */
#define assert(e) ((e) ? (void)0 : __builtin_trap())
