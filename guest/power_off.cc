#include "guest/power_off.h"

#include <sys/reboot.h>
#include <unistd.h>

namespace ktstr {

void power_off() {
  sync();
  reboot(RB_POWER_OFF);
}

}  // namespace ktstr
