package io.pswitch.pktlog.libpcap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * Finds libpcap once per process and hands out downcall handles to its functions (FFM API: no JNA,
 * no per-call allocation, callbacks get the packet as a {@link MemorySegment}).
 *
 * <p>Every user (filter compiler, live port) goes through here, so a missing library is reported
 * once, the same way: {@link LibpcapMissingException} says which package to install.
 */
public final class LibpcapLibrary {
    private static final String[] NAMES = {"libpcap.so.1", "libpcap.so.0.8", "libpcap.so"};
    private static volatile SymbolLookup lookup;

    private LibpcapLibrary() {
    }

    /** The library's lookup, loading it on first use. */
    public static SymbolLookup lookup() {
        SymbolLookup l = lookup;
        if (l == null) {
            synchronized (LibpcapLibrary.class) {
                l = lookup;
                if (l == null) {
                    l = load();
                    lookup = l;
                }
            }
        }
        return l;
    }

    private static SymbolLookup load() {
        IllegalArgumentException last = null;
        for (String name : NAMES) {
            try {
                // Global arena: the library stays loaded for the life of the process.
                return SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException e) {
                last = e;
            }
        }
        throw new LibpcapMissingException("libpcap is not installed (looked for " + String.join(", ", NAMES)
                + "): install it, e.g. 'apt-get install libpcap0.8'", last);
    }

    /** Whether libpcap can be loaded here (for tests that skip without it). */
    public static boolean available() {
        try {
            lookup();
            return true;
        } catch (LibpcapMissingException e) {
            return false;
        }
    }

    /** A downcall handle for a libpcap function. */
    public static MethodHandle function(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = lookup().find(name)
                .orElseThrow(() -> new LibpcapMissingException("libpcap has no function " + name + " (too old a version?)", null));
        return Linker.nativeLinker().downcallHandle(symbol, descriptor);
    }

    /** The loaded library's version string, e.g. "libpcap version 1.10.3 (with TPACKET_V3)". */
    public static String version() {
        try {
            MethodHandle h = function("pcap_lib_version", FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS));
            MemorySegment s = (MemorySegment) h.invokeExact();
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw new LibpcapMissingException("cannot call pcap_lib_version: " + t.getMessage(), t);
        }
    }
}
