package io.pswitch.tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;

/**
 * One home for what every benchmark's JSON result file starts with: which benchmark, when, on which
 * host, with how many CPUs and which JVM — what a reader needs to know before comparing two files.
 */
final class BenchJson {
    private BenchJson() {
    }

    static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    static ObjectNode root(ObjectMapper json, String benchmark) throws UnknownHostException {
        ObjectNode root = json.createObjectNode();
        root.put("benchmark", benchmark);
        root.put("time", Instant.now().toString());
        root.put("host", InetAddress.getLocalHost().getHostName());
        root.put("cpus", Runtime.getRuntime().availableProcessors());
        root.put("java", Runtime.version().toString());
        return root;
    }
}
