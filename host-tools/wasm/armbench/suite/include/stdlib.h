/* Nothing the suite's programs call lives here; the header only has to exist. */
#include <stddef.h>
void abort(void);
