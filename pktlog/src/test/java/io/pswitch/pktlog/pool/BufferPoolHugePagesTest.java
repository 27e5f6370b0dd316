package io.pswitch.pktlog.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pool on a real hugetlbfs (2 MiB pages): created in whole pages by fallocate with its header
 * stored through the mapping (hugetlbfs has no write(2)), reopened with its contents, and refused
 * in one line when the mount has too few pages.
 */
class BufferPoolHugePagesTest {
    /** Pages the mount may hold: enough for the pools below, too few for the one that must be refused. */
    private static final int MOUNT_PAGES = 4;
    private static HugetlbfsMount huge;

    @BeforeAll
    static void mount() throws Exception {
        huge = HugetlbfsMount.mount(Path.of(System.getProperty("java.io.tmpdir")), MOUNT_PAGES, MOUNT_PAGES);
    }

    @AfterAll
    static void unmount() throws Exception {
        if (huge != null) {
            huge.close();
        }
    }

    @Test
    void aPoolOnHugetlbfsTakesWholePagesAndKeepsItsHeaderAndFramesAcrossAReopen() throws IOException {
        Path file = huge.dir().resolve("a/pool");
        UUID id;
        try (BufferPool pool = BufferPool.open(file, 2048, 600)) {
            assertThat(pool.created()).isTrue();
            assertThat(pool.pageSize()).isEqualTo(HugetlbfsMount.PAGE);
            assertThat(pool.storageClass()).as("memory: a store is in the file at once").isEqualTo(StorageClass.VOLATILE);
            assertThat(pool.memory()).isEqualTo("volatile, on 2 MiB huge pages");
            assertThat(Files.size(file)).as("4096 + 600 x 2048 bytes, in whole 2 MiB pages").isEqualTo(HugetlbfsMount.PAGE);
            assertThat(pool.freeCount()).isEqualTo(598);
            id = pool.poolId();
            int last = 599;
            assertThat(pool.claim(last)).isTrue();
            pool.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, pool.offset(last), 0x1122334455667788L);
            pool.force(last, 0, 8);
        }
        assertThat(Files.exists(huge.dir().resolve("a/pool.creating"))).isFalse();
        assertThat(BufferPool.geometry(file)).isEqualTo(new BufferPool.Geometry(2048, 600));
        try (BufferPool pool = BufferPool.open(file, 2048, 600)) {
            assertThat(pool.created()).isFalse();
            assertThat(pool.poolId()).isEqualTo(id);
            assertThat(pool.segment().get(ValueLayout.JAVA_LONG_UNALIGNED, pool.offset(599))).isEqualTo(0x1122334455667788L);
        }
        try (BufferPool pool = BufferPool.openExisting(file)) {
            assertThat(pool.bufferCount()).isEqualTo(600);
            assertThat(pool.pageSize()).isEqualTo(HugetlbfsMount.PAGE);
        }
        Files.delete(file);
    }

    @Test
    void aMountWithTooFewFreePagesIsRefusedInOneLineNamingPathPagesNeededAndFree() throws IOException {
        Path file = huge.dir().resolve("big/pool");
        // 4096 + 4096 x 2048 bytes: 5 pages of 2 MiB, one more than the whole mount.
        assertThatThrownBy(() -> BufferPool.open(file, 2048, 4096))
                .isInstanceOf(PoolFileException.class)
                .hasMessageStartingWith("not enough huge pages for buffer pool " + file + ": 5 pages of 2 MiB needed, ")
                .hasMessageContaining(MOUNT_PAGES + " free")
                .hasMessageContaining("nr_hugepages")
                .hasMessageNotContaining("\n");
        assertThat(Files.exists(file)).isFalse();
        assertThat(Files.exists(huge.dir().resolve("big/pool.creating"))).as("no half pool left behind").isFalse();
    }
}
