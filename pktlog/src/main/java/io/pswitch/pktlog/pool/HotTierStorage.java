package io.pswitch.pktlog.pool;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Whether a directory can hold the PASTE hot tier itself: memory (tmpfs, ramfs, hugetlbfs), where a
 * process crash leaves the pages intact and a flush is nearly free, or persistent memory reached by
 * a MAP_SYNC mapping ({@code dax}), where a cache-line flush is durable. A block file system cannot:
 * there the pool goes elsewhere and the segment tier takes the data.
 */
public final class HotTierStorage {
    private HotTierStorage() {
    }

    /** @param dir the directory, or a path under one that does not exist yet (a data directory about to be made) */
    public static boolean canHold(Path dir) {
        Path existing = dir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return false;
        }
        dir = existing;
        try {
            String type = Files.getFileStore(dir).type();
            if ("tmpfs".equals(type) || "ramfs".equals(type) || "hugetlbfs".equals(type)) {
                return true;
            }
        } catch (IOException e) {
            return false;
        }
        return mapSyncWorks(dir);
    }

    /** Maps a one-page probe file with MAP_SYNC: only a DAX file system accepts it. */
    private static boolean mapSyncWorks(Path dir) {
        Path probe = dir.resolve(".pswitch-dax-probe");
        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                     StandardOpenOption.DELETE_ON_CLOSE)) {
            ch.write(java.nio.ByteBuffer.allocate(4096), 0);
            ch.map(jdk.nio.mapmode.ExtendedMapMode.READ_WRITE_SYNC, 0, 4096, arena);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
