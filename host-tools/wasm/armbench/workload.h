/* The benchmark workload, shared by the interpreter and the wasm2c-native programs:
 * ITERATIONS times, encode a QoS 1 PUBLISH (19-byte topic, 64-byte payload) with the core's
 * codec and decode it again; the checksum must be equal on both sides. */
#ifndef ITERATIONS
#define ITERATIONS 1000
#endif
#define TOPIC "wasmqtt/bench/topic"
#define TOPIC_LEN 19u
#define PAYLOAD_LEN 64u
#define OFF_TOPIC 0u
#define OFF_PAYLOAD 64u
#define OFF_PACKET 256u
