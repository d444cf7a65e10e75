// Ending the guest: the agent is /init, so returning would panic the kernel.
#pragma once

namespace ktstr {

/// Syncs filesystems and powers the machine off (reboot(RB_POWER_OFF)).
/// Returns only if the kernel refused (e.g. not PID 1 / no CAP_SYS_BOOT).
void power_off();

}  // namespace ktstr
