; single.profile: one node, no peers. Two ports on net_ring vdevs (no NIC needed), a TAP
; exception interface towards the kernel, a static route and a static neighbour.
NODENAME SYS1
NODEADDR 198.18.0.1

PORT lan0 DEVICE "net_ring0"
  MTU 1500 RXQUEUES 1 TXQUEUES 2
PORT lan1 DEVICE "net_ring1" MAC 02:00:5e:12:01:01 TRUSTED

PORTADDR lan0 198.18.1.1/24
PORTADDR lan1 198.18.2.1/24
PORTADDR lan1 2001:db8:2::1/64

ROUTE 198.18.64.0/18 VIA 198.18.1.254          ; next hop on lan0's segment
ROUTE DEFAULT6 VIA 2001:db8:2::fe PORT lan1 METRIC 10
NEIGHBOR 198.18.1.254 02:00:5e:12:01:fe

TAP sp0 PORT lan0
STORE EMBEDDED
MEMPOOL MBUFS 8191 CACHE 256
WORKERS 1
