/* The character classes the suite's programs use (Embench's slre), for the "C" locale only. */
static inline int isdigit(int c) { return (unsigned)c - '0' < 10; }
static inline int isspace(int c) { return c == ' ' || (unsigned)c - '\t' < 5; }
static inline int isxdigit(int c) { return isdigit(c) || (unsigned)(c | 32) - 'a' < 6; }
static inline int tolower(int c) { return (unsigned)c - 'A' < 26 ? c | 32 : c; }
