package io.pswitch.pktlog.pool;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real hugetlbfs of 2 MiB pages, mounted on a temporary directory for a test class, with a
 * {@code size=} limit so that the test can never take more pages than it says. The pages come from
 * the kernel's reserved pool; when fewer are free than the test needs, a few are reserved here and
 * the previous {@code nr_hugepages} is written back at {@link #close()} (only if nobody changed it
 * meanwhile). Without root, without hugetlbfs, or when the kernel cannot find the pages, the test
 * is skipped with a line saying which.
 */
public final class HugetlbfsMount implements AutoCloseable {
    public static final long PAGE = 2L << 20;
    private static final Path NR = Path.of("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");

    private final Path dir;
    private long restoreTo = -1;
    private long raisedTo = -1;

    private HugetlbfsMount(Path dir) {
        this.dir = dir;
    }

    /**
     * Mounts a hugetlbfs of at most {@code maxPages} pages on a new directory under {@code parent},
     * with at least {@code needPages} free pages in the kernel's pool.
     */
    public static HugetlbfsMount mount(Path parent, int maxPages, int needPages) throws IOException, InterruptedException {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount hugetlbfs; skipped");
        assumeTrue(Files.isRegularFile(NR), "no 2 MiB huge pages in this kernel (" + NR + "); skipped");
        HugetlbfsMount m = new HugetlbfsMount(Files.createTempDirectory(parent, "hugetlbfs"));
        try {
            m.reserve(needPages);
            int rc = run("mount", "-t", "hugetlbfs", "-o", "pagesize=2M,size=" + maxPages * 2 + "M", "none", m.dir.toString());
            assumeTrue(rc == 0, "cannot mount hugetlbfs on " + m.dir + " (mount exited " + rc + "); skipped");
            assumeTrue(HugePages.pageSize(m.dir) == PAGE, m.dir + " is not a 2 MiB hugetlbfs after mounting; skipped");
            return m;
        } catch (RuntimeException | Error | IOException | InterruptedException e) {
            m.close();
            throw e;
        }
    }

    private void reserve(int needPages) throws IOException {
        long free = HugePages.freePages(Path.of("/"), PAGE);
        if (free >= needPages) {
            return;
        }
        long nr = Long.parseLong(Files.readString(NR).trim());
        long want = nr + (needPages - Math.max(0, free));
        Files.writeString(NR, Long.toString(want));
        restoreTo = nr;
        raisedTo = Long.parseLong(Files.readString(NR).trim());
        assumeTrue(HugePages.freePages(Path.of("/"), PAGE) >= needPages,
                "the kernel found only " + HugePages.freePages(Path.of("/"), PAGE) + " free huge pages of the " + needPages
                        + " needed (memory fragmented?); skipped");
    }

    public Path dir() {
        return dir;
    }

    /** Unmounts, removes the directory and gives back the pages reserved for the test. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (HugePages.pageSize(dir) > 0) {
            run("umount", dir.toString());
        }
        Files.deleteIfExists(dir);
        if (restoreTo >= 0 && Long.parseLong(Files.readString(NR).trim()) == raisedTo) {
            Files.writeString(NR, Long.toString(restoreTo));
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
}
