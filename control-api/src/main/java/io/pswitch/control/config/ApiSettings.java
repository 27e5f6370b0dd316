package io.pswitch.control.config;

import io.pswitch.control.config.ConfigException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where and how the REST API listens ({@code --api HOST:PORT}, {@code --api off}).
 *
 * <p>Access rule: loopback needs nothing; any other address needs a bearer token file, so a switch
 * is never reachable from the network without one. This is checked here, before anything opens.
 *
 * @param host address to bind, or null when the API is off
 * @param port TCP port, 0 for an ephemeral one (tests)
 * @param tokenFile file holding the bearer token, or null
 * @param tlsCert PEM certificate chain, or null for plain HTTP
 * @param tlsKey PEM PKCS#8 private key, or null
 */
public record ApiSettings(String host, int port, Path tokenFile, Path tlsCert, Path tlsKey) {
    public static final String DEFAULT_ADDRESS = "127.0.0.1:8080";

    public ApiSettings {
        if (host != null) {
            if (port < 0 || port > 65535) {
                throw new ConfigException("--api port " + port + " is not between 0 and 65535");
            }
            if (!isLoopback(host) && tokenFile == null) {
                throw new ConfigException("--api " + host + ":" + port
                        + " is not a loopback address: binding it needs a bearer token (--api-token-file FILE)");
            }
            if ((tlsCert == null) != (tlsKey == null)) {
                throw new ConfigException("TLS needs both --tls-cert and --tls-key");
            }
        }
    }

    /** The API switched off ({@code --api off}). */
    public static ApiSettings off() {
        return new ApiSettings(null, 0, null, null, null);
    }

    /** Parses {@code HOST:PORT}, {@code [v6]:PORT} or {@code off}. */
    public static ApiSettings parse(String address, Path tokenFile, Path tlsCert, Path tlsKey) {
        String a = address == null ? DEFAULT_ADDRESS : address.trim();
        if (a.equalsIgnoreCase("off")) {
            return off();
        }
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1) {
            throw new ConfigException("--api '" + a + "' is not HOST:PORT (e.g. 127.0.0.1:8080) or 'off'");
        }
        String host = a.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException("--api '" + a + "': port '" + a.substring(colon + 1) + "' is not a number");
        }
        return new ApiSettings(host, port, tokenFile, tlsCert, tlsKey);
    }

    public boolean enabled() {
        return host != null;
    }

    public boolean tls() {
        return tlsCert != null;
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException("--api host '" + host + "' cannot be resolved");
        }
    }

    /**
     * Reads the token (first line, trimmed). The message of a failure names the file, never its content.
     *
     * @return the token bytes, or null when no token file is set
     */
    public byte[] readToken() {
        if (tokenFile == null) {
            return null;
        }
        String text;
        try {
            text = Files.readString(tokenFile, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("token file " + tokenFile + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read token file " + tokenFile + ": " + e.getClass().getSimpleName());
        }
        String token = text.lines().findFirst().orElse("").trim();
        if (token.length() < 16) {
            throw new ConfigException("token file " + tokenFile + " must hold a token of at least 16 characters on its first line");
        }
        return token.getBytes(StandardCharsets.UTF_8);
    }

    /** How to reach it, for messages: {@code http://127.0.0.1:8080}. */
    public String url(int boundPort) {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return (tls() ? "https" : "http") + "://" + h + ":" + boundPort;
    }
}
