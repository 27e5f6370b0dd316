package io.pswitch.pktlog.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BufferPoolTest {
    @TempDir
    Path tmp;

    @Test
    void createsAPreallocatedFileWithHeaderAndReservedBuffers() throws IOException {
        Path file = tmp.resolve("data/pool");
        try (BufferPool pool = BufferPool.open(file, 2048, 64)) {
            assertThat(pool.created()).isTrue();
            assertThat(Files.size(file)).isEqualTo(BufferPoolDescriptor.DATA_OFFSET + 2048L * 64);
            assertThat(pool.freeCount()).isEqualTo(62);
            assertThat(pool.offset(2) % 64).as("buffers start on cache lines").isZero();
            Set<Integer> seen = new HashSet<>();
            int b;
            while ((b = pool.allocate()) != 0) {
                assertThat(b).isBetween(2, 63);
                assertThat(seen.add(b)).isTrue();
            }
            assertThat(seen).hasSize(62);
        }
        assertThat(Files.exists(tmp.resolve("data/pool.creating"))).isFalse();
    }

    @Test
    void warmingTheBuffersOfARingThatWrapsReadsThemAndChangesNothing() {
        try (BufferPool pool = BufferPool.open(tmp.resolve("pool"), 1024, 16)) {
            int[] ring = new int[8];
            for (int i = 0; i < ring.length; i++) {
                ring[i] = pool.allocate();
                pool.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, pool.offset(ring[i]), 0x0101_0101_0101_0101L * i);
            }
            int[] freeBefore = pool.freeBuffers();
            // From slot 6 round to slot 3: the slots a driver fills after the ring's tail wrapped.
            pool.warm(ring, 6, 6, ring.length - 1);
            pool.warm(ring, 0, 0, ring.length - 1);
            assertThat(pool.freeBuffers()).containsExactly(freeBefore);
            for (int i = 0; i < ring.length; i++) {
                assertThat(pool.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, pool.offset(ring[i])))
                        .isEqualTo(0x0101_0101_0101_0101L * i);
            }
            int[] outside = {16};
            assertThatThrownBy(() -> pool.warm(outside, 0, 1, 0)).as("an index past the pool is refused, never read")
                    .isInstanceOf(IndexOutOfBoundsException.class);
        }
    }

    @Test
    void reopensTheSamePoolWithItsIdAndContents() {
        Path file = tmp.resolve("pool");
        java.util.UUID id;
        try (BufferPool pool = BufferPool.open(file, 1024, 16)) {
            id = pool.poolId();
            pool.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, pool.offset(5), 0x1122334455667788L);
            pool.force(5, 0, 8);
        }
        try (BufferPool pool = BufferPool.open(file, 1024, 16)) {
            assertThat(pool.created()).isFalse();
            assertThat(pool.poolId()).isEqualTo(id);
            assertThat(pool.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, pool.offset(5))).isEqualTo(0x1122334455667788L);
        }
    }

    @Test
    void refusesAPoolOfAnotherGeometryNamingBoth() {
        Path file = tmp.resolve("pool");
        BufferPool.open(file, 2048, 16).close();
        assertThatThrownBy(() -> BufferPool.open(file, 4096, 16))
                .isInstanceOf(PoolFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("16 buffers of 2048 bytes")
                .hasMessageContaining("16 of 4096");
    }

    @Test
    void refusesAFileThatIsNotAPool() throws IOException {
        Path file = tmp.resolve("pool");
        Files.write(file, new byte[8192]);
        assertThatThrownBy(() -> BufferPool.open(file, 2048, 16))
                .isInstanceOf(PoolFileException.class)
                .hasMessage(file + " is not a pswitch buffer pool (bad magic)");
    }

    @Test
    void refusesAShortFile() throws IOException {
        Path file = tmp.resolve("pool");
        Files.write(file, new byte[100]);
        assertThatThrownBy(() -> BufferPool.open(file, 2048, 16))
                .isInstanceOf(PoolFileException.class)
                .hasMessageContaining("shorter than its header");
    }

    @Test
    void refusesAnotherLayoutVersion() throws IOException {
        Path file = tmp.resolve("pool");
        BufferPool.open(file, 2048, 16).close();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer v = ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 99);
            ch.write(v, BufferPoolDescriptor.VERSION_OFFSET);
        }
        assertThatThrownBy(() -> BufferPool.open(file, 2048, 16))
                .isInstanceOf(PoolFileException.class)
                .hasMessageContaining("layout version 99; this build reads version 1");
    }

    @Test
    void refusesATruncatedPool() throws IOException {
        Path file = tmp.resolve("pool");
        BufferPool.open(file, 2048, 16).close();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(BufferPoolDescriptor.DATA_OFFSET + 2048 * 3);
        }
        assertThatThrownBy(() -> BufferPool.open(file, 2048, 16))
                .isInstanceOf(PoolFileException.class)
                .hasMessageContaining("is truncated");
    }

    @Test
    void refusesBadGeometry() {
        assertThatThrownBy(() -> BufferPool.open(tmp.resolve("p"), 3000, 16))
                .hasMessageContaining("buffer size 3000 must be a power of two between 64 and 16384");
        assertThatThrownBy(() -> BufferPool.open(tmp.resolve("p"), 32768, 16))
                .hasMessageContaining("must be a power of two");
        assertThatThrownBy(() -> BufferPool.open(tmp.resolve("p"), 2048, 2))
                .hasMessageContaining("buffer count 2 must be greater than 3");
    }

    @Test
    void failsAtStartWhenTheDiskIsTooSmallNamingPathSizeAndFreeSpace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a small tmpfs; skipped");
        Path mnt = tmp.resolve("small");
        Files.createDirectories(mnt);
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt.toString()).inheritIO().start();
        assumeTrue(p.waitFor() == 0, "cannot mount tmpfs here; skipped");
        try {
            Path file = mnt.resolve("pool");
            assertThatThrownBy(() -> BufferPool.open(file, 2048, 8192))
                    .isInstanceOf(PoolFileException.class)
                    .hasMessageStartingWith("not enough space for buffer pool " + file + ": "
                            + BufferPoolDescriptor.fileSize(2048, 8192) + " bytes asked, ")
                    .hasMessageEndingWith(" bytes free");
            assertThat(Files.exists(file)).isFalse();
            try (BufferPool pool = BufferPool.open(file, 2048, 1024)) {
                assertThat(pool.storageClass()).isEqualTo(StorageClass.VOLATILE);
            }
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void reportsTheStorageClassOfTmpfsAndOfTheDisk() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isWritable(shm), "/dev/shm not writable; skipped");
        Path file = shm.resolve("pswitch-pooltest-" + ProcessHandle.current().pid());
        try (BufferPool pool = BufferPool.open(file, 2048, 16)) {
            assertThat(pool.storageClass()).isEqualTo(StorageClass.VOLATILE);
        } finally {
            file.toFile().delete();
        }
        try (BufferPool pool = BufferPool.open(tmp.resolve("pool"), 2048, 16)) {
            String type = Files.getFileStore(tmp).type();
            StorageClass expected = "tmpfs".equals(type) || "ramfs".equals(type) ? StorageClass.VOLATILE : StorageClass.BLOCK;
            assertThat(pool.storageClass()).as("file system type %s", type).isEqualTo(expected);
        }
    }

    @Test
    void claimTakesASpecificBufferOffTheFreeList() {
        try (BufferPool pool = BufferPool.open(tmp.resolve("pool"), 2048, 16)) {
            assertThat(pool.claim(7)).isTrue();
            assertThat(pool.claim(7)).isFalse();
            assertThat(pool.freeCount()).isEqualTo(13);
            for (int b : pool.freeBuffers()) {
                assertThat(b).isNotEqualTo(7);
            }
            assertThatThrownBy(() -> pool.free(1)).hasMessageContaining("bufIdx 1 is not a pool buffer");
        }
    }
}
