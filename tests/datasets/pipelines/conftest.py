"""Files as real data sets have them, for the decoder tests: DivX/XviD packed B-frames in AVI.

FFmpeg (hence PyAV) can only *unpack* such a stream (the `mpeg4_unpack_bframes` bitstream filter), so the
fixture packs an ordinary MPEG-4 Part 2 AVI (PyAV's `mpeg4` encoder, one B-frame between reference frames) itself,
as DivX 5 and XviD write it: each reference frame's packet also carries the B-frame that follows it in decoding
order, the B-frame's own slot holds a "not coded" placeholder (an N-VOP), and the key packets carry the user data
'DivX503b1393p' that marks packed bitstream (FFmpeg's decoder unpacks only with that marker).
"""
import av
import pytest

from vidrun.datasets.video_writer import write_video

VOP = b"\x00\x00\x01\xb6"
DIVX_PACKED = b"\x00\x00\x01\xb2DivX503b1393p"  # user data start code + DivX 5.0.3 build 1393, 'p': packed
# A P-VOP header with vop_coded = 0: 01 (P), 0 (no modulo time base), 1 (marker), 00000 (time increment, 5 bits
# for 25 fps), 1 (marker), 0 (not coded), then stuffing 01111.
N_VOP = VOP + bytes([0b01010000, 0b01001111])


def packets_of(path):
    with av.open(path) as container:
        stream = container.streams.video[0]
        return [(packet.pts, packet.is_keyframe, bytes(packet)) for packet in container.demux(stream)
                if packet.size]


def pack_b_frames(packets):
    """Packets in decoding order -> packed bitstream: a B-frame (shown before the packet it follows) joins that
    packet, and an N-VOP takes its place."""
    packed, i = [], 0
    while i < len(packets):
        pts, key, data = packets[i]
        if key:  # the marker goes before the first frame header of each key packet, after the stream headers
            at = data.find(VOP)
            data = data[:at] + DIVX_PACKED + data[at:]
        if i + 1 < len(packets) and packets[i + 1][0] < pts:
            packed += [(key, data + packets[i + 1][2]), (False, N_VOP)]
            i += 2
        else:
            packed.append((key, data))
            i += 1
    return packed


def write_packed_avi(tmp_path, frames):
    """(path of the plain AVI, path of the packed one)."""
    plain = str(write_video(tmp_path / "plain.avi", frames, codec="mpeg4", options={"bf": "1", "qscale": "3"},
                            gop_size=12))
    path = str(tmp_path / "packed.avi")
    with av.open(plain) as source, av.open(path, "w") as target:
        stream = target.add_stream_from_template(source.streams.video[0])
        for i, (key, data) in enumerate(pack_b_frames(packets_of(plain))):
            packet = av.Packet(data)
            packet.pts = packet.dts = i
            packet.time_base, packet.stream, packet.is_keyframe = stream.time_base, stream, key
            target.mux(packet)
    return plain, path


@pytest.fixture
def packed_avi(tmp_path, helpers):
    """(plain AVI, the same packets packed): 40 frames of `moving_block_frames`, a key frame every 12."""
    return write_packed_avi(tmp_path, helpers["moving_block_frames"](40))
