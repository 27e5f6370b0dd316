package io.pswitch.tools.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaAccess;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchRule;
import io.pswitch.dataplane.port.AbstractPort;
import io.pswitch.dataplane.port.Port;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md's structural rules, checked on the main classes of all five modules.
 *
 * <p>It lives in {@code tools} because tools depends on every other module, so its test class path
 * holds all their main classes: a rule such as "the dataplane imports no driver" can only fail where
 * the drivers are visible too. Test classes (this module's and any test-jar's) are left out:
 * fixtures may reach across layers, shipped code may not.
 */
class ArchitectureTest {
    private static final String PKTLOG = "io.pswitch.pktlog..";
    private static final String DATAPLANE = "io.pswitch.dataplane..";
    private static final String DRIVERS = "io.pswitch.drivers..";
    private static final String CONTROL = "io.pswitch.control..";
    private static final String TOOLS = "io.pswitch.tools..";
    private static final String[] HTTP = {"io.javalin..", "org.eclipse.jetty..", "jakarta.servlet..", "com.sun.net.httpserver.."};
    private static final String CLI = "picocli..";

    /**
     * What a REST handler or a metrics collector (both on the API's threads) may call on the
     * dataplane: the command queue ({@code SwitchAgent.offer} and the commands it carries) and reads
     * of single-writer state (port names, counters, table size and counts, filter generation). Everything else there — syncs, rings, table learn/flush,
     * installing filters, buffers — belongs to the dataplane thread or to the assembly.
     */
    private static final Map<String, Set<String>> REST_MAY_CALL = Map.of(
            "io.pswitch.dataplane.agent.SwitchAgent",
            Set.of("offer", "portCount", "port", "portIndex", "portAdminUp", "logging", "fdb", "pool", "counters",
                    "workerCount", "workerLoad", "workerPorts", "portOwner", "fdbReplicas"),
            // A worker's load as the worker published it in the counters file.
            "io.pswitch.dataplane.agent.WorkerLoad", Set.of("busyFraction", "framesPerSecond", "frames", "busySeconds"),
            // A port's state, driver RX drops and TX discards are read from its PortCounters (the
            // counters file), never from the driver's own fields, which only the dataplane thread reads.
            "io.pswitch.dataplane.port.Port", Set.of("name", "spec", "driverCounters", "description"),
            "io.pswitch.dataplane.port.PortCounters", Set.of("rxFrames", "rxBytes", "txFrames", "txBytes", "drops",
                    "totalDrops", "driverRxDrops", "txDiscarded", "state", "driverCounterValues"),
            "io.pswitch.dataplane.logging.LoggingStage",
            Set.of("filters", "appliedGeneration", "durability", "counters", "filterCounters"),
            "io.pswitch.dataplane.fdb.ForwardingTable", Set.of("capacity", "size", "ageingNs", "learned", "aged", "evicted",
                    "moved", "flushed"));

    /** Value types and snapshots: any of their members is a read. */
    private static final Set<String> REST_VALUE_PACKAGES_OR_CLASSES = Set.of(
            "io.pswitch.dataplane.agent.SwitchCommand", "io.pswitch.dataplane.port.PortSpec",
            "io.pswitch.dataplane.port.PortState", "io.pswitch.dataplane.port.DropCause",
            "io.pswitch.dataplane.fdb.FdbEntry",
            "io.pswitch.dataplane.logging.LogCounters", "io.pswitch.dataplane.logging.FilterCounters",
            "io.pswitch.dataplane.logging.Durability");

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(new DoNotIncludeTestJars())
                .importPackages("io.pswitch");
    }

    @Test
    void noPackageCycles() {
        // Each package its own slice: the same granularity as ../shared/tools/cycles.py over jdeps.
        check(slices().matching("io.pswitch.(**)").should().beFreeOfCycles());
    }

    @Test
    void modulesDependOnlyDownwards() {
        check(layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("pktlog").definedBy(PKTLOG)
                .layer("switch-dataplane").definedBy(DATAPLANE)
                .layer("port-drivers").definedBy(DRIVERS)
                .layer("control-api").definedBy(CONTROL)
                .layer("tools").definedBy(TOOLS)
                .whereLayer("tools").mayNotBeAccessedByAnyLayer()
                .whereLayer("control-api").mayOnlyBeAccessedByLayers("tools")
                .whereLayer("port-drivers").mayOnlyBeAccessedByLayers("control-api", "tools")
                .whereLayer("switch-dataplane").mayOnlyBeAccessedByLayers("port-drivers", "control-api", "tools")
                .whereLayer("pktlog").mayOnlyBeAccessedByLayers("switch-dataplane", "port-drivers", "control-api", "tools"));
    }

    @Test
    void pktlogKnowsNoPortsHttpOrCli() {
        check(noClasses().that().resideInAPackage(PKTLOG).should().dependOnClassesThat()
                .resideInAnyPackage(concat(HTTP, DATAPLANE, DRIVERS, CONTROL, TOOLS, CLI)));
    }

    @Test
    void dataplaneImportsNoDriverAndNoHttp() {
        check(noClasses().that().resideInAPackage(DATAPLANE).should().dependOnClassesThat()
                .resideInAnyPackage(concat(HTTP, DRIVERS, CONTROL, TOOLS, CLI)));
    }

    @Test
    void driversNeverTouchTheForwardingTable() {
        check(noClasses().that().resideInAPackage(DRIVERS).should().dependOnClassesThat()
                .resideInAnyPackage("io.pswitch.dataplane.fdb.."));
    }

    @Test
    void everyDriverPortIsBuiltOnTheSharedCore() {
        check(classes().that().resideInAPackage(DRIVERS).and().implement(Port.class).and().areNotInterfaces()
                .should().beAssignableTo(AbstractPort.class)
                .because("the core owns name, spec, rings, state and close; a driver supplies only its syncs"));
    }

    @Test
    void restHandlersUseOnlyTheCommandQueueAndReadOnlyViews() {
        check(noClasses().that().resideInAPackage("io.pswitch.control.rest..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.pswitch.dataplane.ring..", "io.pswitch.dataplane.batch..", "io.pswitch.dataplane.frame..",
                        "io.pswitch.drivers..")
                .because("handlers never touch rings, batches or ports' drivers"));
        check(noClasses().that().resideInAnyPackage("io.pswitch.control.rest..", "io.pswitch.control.metrics..")
                .should().callMethodWhere(new DescribedPredicate<JavaAccess<?>>("a dataplane method that is neither the command queue nor a read") {
                    @Override
                    public boolean test(JavaAccess<?> access) {
                        AccessTarget target = access.getTarget();
                        String owner = target.getOwner().getName();
                        if (!owner.startsWith("io.pswitch.dataplane.")) {
                            return false;
                        }
                        if (isValueType(owner)) {
                            return false;
                        }
                        Set<String> allowed = REST_MAY_CALL.get(owner);
                        // filters(FilterSet) installs a set; only the no-argument read is a view.
                        if ("filters".equals(target.getName()) && target instanceof AccessTarget.MethodCallTarget m
                                && !m.getRawParameterTypes().isEmpty()) {
                            return true;
                        }
                        return allowed == null || !allowed.contains(target.getName());
                    }
                }));
        check(noClasses().that().resideInAPackage("io.pswitch.control.rest..")
                .should().accessFieldWhere(new DescribedPredicate<JavaAccess<?>>("a mutable dataplane field") {
                    @Override
                    public boolean test(JavaAccess<?> access) {
                        AccessTarget target = access.getTarget();
                        return target.getOwner().getName().startsWith("io.pswitch.dataplane.")
                                && target instanceof AccessTarget.FieldAccessTarget f
                                && f.resolveMember().map(m -> !m.getModifiers().contains(JavaModifier.FINAL)).orElse(true);
                    }
                }));
    }

    private static boolean isValueType(String owner) {
        for (String v : REST_VALUE_PACKAGES_OR_CLASSES) {
            if (owner.equals(v) || owner.startsWith(v + "$")) {
                return true;
            }
        }
        return false;
    }

    private static void check(ArchRule rule) {
        rule.check(classes);
    }

    private static String[] concat(String[] first, String... rest) {
        String[] out = new String[first.length + rest.length];
        System.arraycopy(first, 0, out, 0, first.length);
        System.arraycopy(rest, 0, out, first.length, rest.length);
        return out;
    }

    /** Test-jars ({@code *-tests.jar}, or a module's test-classes in the reactor) hold fixtures, not shipped code. */
    static final class DoNotIncludeTestJars implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("-tests.jar") && !location.contains("/test-classes/");
        }
    }
}
