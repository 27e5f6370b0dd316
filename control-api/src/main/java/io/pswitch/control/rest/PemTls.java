package io.pswitch.control.rest;

import io.pswitch.control.config.ConfigException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * TLS from PEM files as operators have them (a certificate chain and an unencrypted PKCS#8 key):
 * put into an in-memory key store under a random password for Jetty. Every problem is one line
 * naming the file; key material never appears in a message.
 */
final class PemTls {
    private static final Pattern PKCS8 = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private PemTls() {
    }

    static SslContextFactory.Server serverContext(Path certFile, Path keyFile) {
        Certificate[] chain = certificates(certFile);
        PrivateKey key = privateKey(keyFile);
        char[] password = HexFormat.of().formatHex(SecureRandom.getSeed(16)).toCharArray();
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("pswitch", key, password, chain);
            SslContextFactory.Server f = new SslContextFactory.Server();
            f.setKeyStore(store);
            f.setKeyStorePassword(new String(password));
            f.setKeyManagerPassword(new String(password));
            return f;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("TLS key " + keyFile + " does not go with certificate " + certFile + ": " + e.getClass().getSimpleName());
        }
    }

    private static Certificate[] certificates(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new ConfigException("TLS certificate file " + file + " holds no PEM certificate");
            }
            return certs.toArray(new Certificate[0]);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException("TLS certificate file " + file + " does not exist");
        } catch (IOException | CertificateException e) {
            throw new ConfigException("TLS certificate file " + file + " is not a PEM certificate chain");
        }
    }

    private static PrivateKey privateKey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ConfigException("TLS key file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read TLS key file " + file + ": " + e.getClass().getSimpleName());
        }
        Matcher m = PKCS8.matcher(text);
        if (!m.find()) {
            throw new ConfigException("TLS key file " + file + " holds no unencrypted PKCS#8 key ('BEGIN PRIVATE KEY'); "
                    + "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("TLS key file " + file + " is not valid base64 PEM");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // try the next algorithm
            }
        }
        throw new ConfigException("TLS key file " + file + " holds a key of an unsupported algorithm (RSA, EC, Ed25519 work)");
    }

}
