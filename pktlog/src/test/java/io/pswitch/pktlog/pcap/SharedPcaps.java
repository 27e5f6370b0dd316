package io.pswitch.pktlog.pcap;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the third-party captures: {@code ../shared/pcaps} from the repo root (system property
 * {@code pswitch.root}); a worktree nested deeper finds it in the nearest ancestor that has it.
 */
final class SharedPcaps {
    private SharedPcaps() {
    }

    /** The folder, or null when absent. */
    static Path folder() {
        Path root = Path.of(System.getProperty("pswitch.root", ".")).toAbsolutePath().normalize();
        for (Path p = root; p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("pcaps");
            if (p.getParent() != null && Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
