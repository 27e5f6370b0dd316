package io.pswitch.pktlog.filter;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Just enough of pcap and pcapng to pull the frames out of the third-party captures for filter
 * tests (the project's real reader lives elsewhere). Corrupt files yield the frames before the
 * damage.
 */
final class TestCaptures {
    private TestCaptures() {
    }

    /**
     * The shared captures folder ({@code <pswitch.root>/../shared/pcaps}, or the same beside an
     * ancestor, for checkouts in a worktree folder), or null when absent.
     */
    static Path folder() {
        String root = System.getProperty("pswitch.root");
        Path dir = (root == null ? Path.of("") : Path.of(root)).toAbsolutePath().normalize();
        for (int up = 0; up < 3 && dir != null; up++, dir = dir.getParent()) {
            Path candidate = dir.resolveSibling("shared").resolve("pcaps");
            if (dir.getParent() != null && Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    static List<CapturedFrame> allFrames(Path dir) throws IOException {
        List<CapturedFrame> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".pcap") || name.endsWith(".pcapng")) {
                    out.addAll(read(f));
                }
            }
        }
        return out;
    }

    static List<CapturedFrame> read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
        List<CapturedFrame> out = new ArrayList<>();
        if (b.remaining() < 24) {
            return out;
        }
        int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        String name = file.getFileName().toString();
        try {
            if (magic == 0x0a0d0d0a) {
                readPcapng(name, b, out);
            } else {
                readPcap(name, b, out);
            }
        } catch (RuntimeException corrupt) {
            // keep what came before the damage
        }
        return out;
    }

    private static void readPcap(String name, ByteBuffer b, List<CapturedFrame> out) {
        int magic = b.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
            if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
                return;
            }
        }
        int pos = 24;
        while (pos + 16 <= b.limit()) {
            int capLen = b.getInt(pos + 8);
            int wireLen = b.getInt(pos + 12);
            if (capLen < 0 || pos + 16 + capLen > b.limit()) {
                return;
            }
            byte[] frame = new byte[capLen];
            b.get(pos + 16, frame);
            out.add(new CapturedFrame(name + "#" + out.size(), frame, wireLen));
            pos += 16 + capLen;
        }
    }

    private static void readPcapng(String name, ByteBuffer b, List<CapturedFrame> out) {
        b.order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(8) != 0x1a2b3c4d) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        int pos = 0;
        while (pos + 12 <= b.limit()) {
            int type = b.getInt(pos);
            int len = b.getInt(pos + 4);
            if (len < 12 || pos + len > b.limit() || b.getInt(pos + len - 4) != len) {
                return;
            }
            if (type == 6 && len >= 32) {
                int capLen = b.getInt(pos + 20);
                int wireLen = b.getInt(pos + 24);
                if (capLen >= 0 && 28 + capLen <= len) {
                    byte[] frame = new byte[capLen];
                    b.get(pos + 28, frame);
                    out.add(new CapturedFrame(name + "#" + out.size(), frame, wireLen));
                }
            }
            pos += len;
        }
    }
}
