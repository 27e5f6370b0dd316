package io.pswitch.tools.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDirFactory;

/**
 * Temporary directories on tmpfs (/dev/shm) when the host has it: the overload and abuse tests log
 * tens of thousands of records, and msync on a shared disk would make the disk, not the switch, the
 * bottleneck. Durability on real storage is the pktlog power-loss tests' subject.
 */
public final class ShmTempDirFactory implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm) && Files.isWritable(shm)) {
            return Files.createTempDirectory(shm, "pswitch-reliability");
        }
        return Files.createTempDirectory("pswitch-reliability");
    }
}
