#!/usr/bin/python3
# usage: txcsum_off.py IFNAME -- "ethtool -K IFNAME tx off" through the SIOCETHTOOL ioctl (ethtool
# may not be installed). A veth with TX checksum offload hands frames on with a partial checksum;
# AF_PACKET gives them to DPDK as they are, and a kernel behind a TAP then drops them.
import array, fcntl, socket, struct, sys
ETHTOOL_STXCSUM, SIOCETHTOOL = 0x17, 0x8946
buf = array.array("B", struct.pack("II", ETHTOOL_STXCSUM, 0))
addr, _ = buf.buffer_info()
ifr = struct.pack("16sP", sys.argv[1].encode(), addr)
fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), SIOCETHTOOL, ifr)
