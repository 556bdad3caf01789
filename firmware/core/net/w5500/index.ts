// The W5500 socket driver: chip bring-up, the MQTT transport (TCP, socket 0), UDP (socket 1).
export { w5Init, w5Link, w5SetRetry, w5EnsureConfigured, W5_OK, W5_ERR_VERSION, W5_ERR_NOT_INIT, W5_ERR_CHIP, W5_ERR_STATE, W5_ERR_ARG } from "./chip";
export { tcpConnect, tcpState, tcpSend, tcpRecv, tcpClose, tcpSetPolling, NET_CLOSED, NET_CONNECTING, NET_ESTABLISHED, NET_CLOSING } from "./tcp";
export { udpOpen, udpClose, udpSendTo, udpRecvFrom, udpFromIp, udpFromPort, UDP_MAX } from "./udp";
