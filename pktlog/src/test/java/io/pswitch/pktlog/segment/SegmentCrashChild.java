package io.pswitch.pktlog.segment;

import java.nio.file.Path;
import java.util.Random;

/**
 * The process {@link SegmentKillTest} kills: opens the segment tier (recovery), then appends
 * records forever in chunks of random sizes, printing {@code durable <seq>} after every sync. Its
 * frames depend on the sequence only, so the parent can check every recovered byte.
 */
public final class SegmentCrashChild {
    private SegmentCrashChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        Path pool = Path.of(args[1]);
        Random rnd = new Random(Long.parseLong(args[2]));
        // A small log, so that retention (deleting or recycling the oldest segment) runs in every round.
        SegmentConfig cfg = SegmentFrames.config(6L << 20, 1L << 20).withCheckpointIntervalNs(rnd.nextBoolean() ? 0 : 20_000_000L)
                .withRecycle(rnd.nextBoolean());
        try (SegmentFrames frames = new SegmentFrames(pool, 1024);
             SegmentWriter w = SegmentWriter.open(dir, SegmentFrames.LOG_ID, cfg)) {
            long seq = w.nextSeq() == 0 ? 1 : w.nextSeq();
            System.out.println("open " + seq);
            System.out.flush();
            while (true) {
                int n = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 200 : 20);
                for (int i = 0; i < n; i++) {
                    frames.add(w, seq++, 0);
                }
                w.write();
                if (rnd.nextInt(3) > 0) {
                    System.out.println("durable " + w.sync());
                    System.out.flush();
                }
            }
        }
    }
}
