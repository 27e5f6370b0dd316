import java.lang.foreign.*;
import java.lang.invoke.MethodHandle;
import java.nio.file.*;

/** Probe: a child spawned from an unshared thread runs in its netns; the JDK's process reaper thread it starts is born there too. */
public class ReaperProbe {
    public static void main(String[] a) throws Exception {
        Linker l = Linker.nativeLinker();
        MethodHandle unshare = l.downcallHandle(l.defaultLookup().find("unshare").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        Thread t = new Thread(() -> {
            try {
                System.out.println("unshare: " + (int) unshare.invokeExact(0x40000000));
                Process p = new ProcessBuilder("ip", "-o", "link").redirectErrorStream(true).start();
                System.out.println("child sees: " + new String(p.getInputStream().readAllBytes()).lines().map(s -> s.split(":")[1].trim()).toList());
                p.waitFor();
            } catch (Throwable e) { e.printStackTrace(); }
        }, "unshared");
        t.start(); t.join();
        Thread.sleep(500);
        String home = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String ns = Files.readSymbolicLink(task.resolve("ns/net")).toString();
                if (!ns.equals(home)) System.out.println("thread in another netns: " + Files.readString(task.resolve("comm")).trim() + " " + ns);
            }
        }
    }
}
