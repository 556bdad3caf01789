/* Nothing the suite's integer programs call lives here (Embench's huffbench includes it); a
 * program that needs floating point is not in the suite: the device's runtime has no floats. */
