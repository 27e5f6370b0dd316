package io.pswitch.pktlog.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories on tmpfs (/dev/shm) when the host has it: tests that append thousands of
 * records would otherwise spend seconds in msync on a real (shared) disk, making the disk, not the
 * code, what they measure. Durability itself is tested through {@link RecordingStorage}, which does
 * not depend on the file system, and by the power-loss tests; the storage class is "volatile" here,
 * like the PASTE evaluation's emulated persistent memory.
 *
 * <p>The one copy for every module: others reach it through pktlog's test-jar
 * ({@code @TempDir(factory = ShmTempDirFactory.class)}).
 */
public class ShmTempDirFactory implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return Files.createTempDirectory(shm, "pswitch-test");
        }
        return Files.createTempDirectory("pswitch-test");
    }
}
