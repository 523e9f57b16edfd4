#!/usr/bin/env python3
"""Sends hostile DHCPDISCOVER-like frames on an interface (for t-discover.sh):
each must be refused by hopeless serve's discovery parser.
usage: forge-dhcp.py IFACE SRC-MAC OTHER-MAC"""
import socket, struct, sys

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def frame(src, chaddr, opts, giaddr=b'\0' * 4, udp_ok=True):
    bootp = (bytes([1, 1, 6, 0]) + b'\x12\x34\x56\x78' + b'\0' * 16 + giaddr + chaddr + b'\0' * 10 +
             b'\0' * 192 + b'\x63\x82\x53\x63' + opts)
    ulen = 8 + len(bootp)
    ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, 0, 0, 64, 17, 0, b'\0' * 4, b'\xff' * 4))
    ip[10:12] = struct.pack('!H', csum(bytes(ip)))
    udp = bytearray(struct.pack('!HHHH', 68, 67, ulen, 0)) + bootp
    c = csum(bytes(ip[12:20]) + struct.pack('!BBH', 0, 17, ulen) + bytes(udp)) or 0xffff
    udp[6:8] = struct.pack('!H', c if udp_ok else c ^ 1)
    return b'\xff' * 6 + src + b'\x08\x00' + bytes(ip) + bytes(udp)

iface, src, other = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', '')), bytes.fromhex(sys.argv[3].replace(':', ''))
disc = bytes([53, 1, 1, 255])
frames = [
    frame(src, other, disc),                       # chaddr is not the sender
    frame(src, src, disc, giaddr=b'\x0a\0\0\x01'),  # relayed
    frame(src, src, disc, udp_ok=False),           # bad UDP checksum
    frame(src, src, bytes([53, 1, 1, 60, 200])),   # an option running past the end
    frame(src, src, bytes([52, 1, 3, 53, 1, 1, 255])),  # option overload
]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for f in frames:
    s.send(f)
