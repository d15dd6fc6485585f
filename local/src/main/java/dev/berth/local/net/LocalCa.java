package dev.berth.local.net;

import dev.berth.BerthServiceException;
import dev.berth.ErrorCode;
import dev.berth.InvalidSpecException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local certificate authority behind the router's HTTPS: a CA the user trusts once, and a wildcard
 * certificate it signs for every pod host.
 *
 * <p>On first {@link #open open} it generates an EC P-256 CA valid for ten years ({@code CN=Berth local CA
 * <hostname>}) and a one-year leaf certificate for {@code *.<domain>}, {@code <domain>}, {@code localhost} and
 * {@code 127.0.0.1}/{@code ::1}; later opens reload them. The leaf is renewed when fewer than 30 days are
 * left, when the domain changes, or when it no longer matches the CA; the CA is only regenerated when it is
 * missing, unreadable or about to expire (then users must trust the new one). Files in the directory:
 * <ul>
 *   <li>{@code ca.pem} — the CA certificate, what users import into their trust store;</li>
 *   <li>{@code ca-key.pem} — its private key (0600);</li>
 *   <li>{@code router.pem} — the leaf followed by the CA (the chain the router serves);</li>
 *   <li>{@code router-key.pem} — the leaf's private key (0600).</li>
 * </ul>
 *
 * <pre>{@code
 * LocalCa ca = LocalCa.open(LocalCa.defaultDirectory(System.getenv()), "pods.localhost", Clock.systemUTC());
 * System.out.println("Trust " + ca.caCertificatePath());
 * HttpClient client = HttpClient.newBuilder().sslContext(ca.clientSslContext()).build();
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe. Opening is not safe against two processes generating at once
 * in the same directory (the local platform runs one router per directory).
 */
public final class LocalCa {
    /** The domain pods are served under when none is configured. */
    public static final String DEFAULT_DOMAIN = "pods.localhost";

    static final Duration CA_VALIDITY = Duration.ofDays(3650);
    static final Duration LEAF_VALIDITY = Duration.ofDays(365);
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    /** Backdating tolerates clocks slightly behind ours (containers, VMs). */
    private static final Duration BACKDATE = Duration.ofHours(1);

    private static final Logger LOG = LoggerFactory.getLogger(LocalCa.class);
    private static final Pattern DNS_NAME =
            Pattern.compile("(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private final Path directory;
    private final String domain;
    private final X509Certificate caCertificate;
    private final X509Certificate routerCertificate;
    private final String routerChainPem;
    private final String routerKeyPem;

    private LocalCa(Path directory, String domain, X509Certificate caCertificate, X509Certificate routerCertificate,
                    String routerChainPem, String routerKeyPem) {
        this.directory = directory;
        this.domain = domain;
        this.caCertificate = caCertificate;
        this.routerCertificate = routerCertificate;
        this.routerChainPem = routerChainPem;
        this.routerKeyPem = routerKeyPem;
    }

    /** {@code $BERTH_HOME/tls}, or {@code ~/.berth/tls} when {@code BERTH_HOME} is not set. */
    public static Path defaultDirectory(Map<String, String> env) {
        return dev.berth.local.LocalConfig.home(env).resolve("tls");
    }

    /**
     * Loads the CA and router certificate from {@code directory}, generating or renewing what is missing,
     * expiring or made for another domain.
     *
     * @throws InvalidSpecException     if {@code domain} is not a DNS name of at least two labels
     * @throws BerthServiceException    if the directory cannot be read or written
     */
    public static LocalCa open(Path directory, String domain, Clock clock) {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(clock, "clock");
        String d = checkDomain(domain);
        try {
            return load(directory.toAbsolutePath(), d, clock);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new BerthServiceException(ErrorCode.INTERNAL,
                    "Cannot set up the local CA in " + directory + ": " + e.getMessage()
                            + "; check that the directory is writable, or delete it to generate a new CA", e);
        }
    }

    static String checkDomain(String domain) {
        String d = domain == null ? "" : domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        if (!DNS_NAME.matcher(d).matches()) {
            throw new InvalidSpecException("domain", "Invalid router domain '" + domain
                    + "'; give a DNS name of at least two labels such as " + DEFAULT_DOMAIN
                    + " (browsers refuse a wildcard certificate directly under a top-level name)");
        }
        return d;
    }

    /** The directory holding the PEM files. */
    public Path directory() {
        return directory;
    }

    /** The domain the router certificate covers ({@code *.<domain>}). */
    public String domain() {
        return domain;
    }

    /** {@code ca.pem}: the file users add to their trust store (or pass to {@code curl --cacert}). */
    public Path caCertificatePath() {
        return directory.resolve("ca.pem");
    }

    /** {@code router.pem}: the router's certificate followed by the CA. */
    public Path routerCertificatePath() {
        return directory.resolve("router.pem");
    }

    /** {@code router-key.pem}: the router's private key (PKCS#8). */
    public Path routerKeyPath() {
        return directory.resolve("router-key.pem");
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    public X509Certificate routerCertificate() {
        return routerCertificate;
    }

    /** The router's key and chain for a Vert.x server ({@code HttpServerOptions.setKeyCertOptions}). */
    public PemKeyCertOptions keyCertOptions() {
        return new PemKeyCertOptions()
                .setCertValue(Buffer.buffer(routerChainPem))
                .setKeyValue(Buffer.buffer(routerKeyPem));
    }

    /** A trust manager that trusts this CA and nothing else. */
    public X509TrustManager trustManager() {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setCertificateEntry("berth-local-ca", caCertificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager tm : factory.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("no X509TrustManager from " + factory.getAlgorithm());
        } catch (GeneralSecurityException | IOException e) {
            throw new BerthServiceException(ErrorCode.INTERNAL, "Cannot build a trust manager for the local CA: " + e.getMessage(), e);
        }
    }

    /** A client TLS context that trusts only this CA (for {@code java.net.http.HttpClient} and tests). */
    public SSLContext clientSslContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {trustManager()}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new BerthServiceException(ErrorCode.INTERNAL, "Cannot build a TLS context for the local CA: " + e.getMessage(), e);
        }
    }

    // ---- loading and generating ----

    private static LocalCa load(Path dir, String domain, Clock clock)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        Files.createDirectories(dir);
        restrictDirectory(dir);
        Instant now = clock.instant();
        Path caPem = dir.resolve("ca.pem");
        Path caKeyPem = dir.resolve("ca-key.pem");
        Path routerPem = dir.resolve("router.pem");
        Path routerKeyPem = dir.resolve("router-key.pem");

        X509Certificate ca = null;
        PrivateKey caKey = null;
        if (Files.exists(caPem) && Files.exists(caKeyPem)) {
            try {
                X509Certificate loaded = readCertificates(Files.readString(caPem)).getFirst();
                PrivateKey loadedKey = readPrivateKey(Files.readString(caKeyPem));
                if (matches(loadedKey, loaded.getPublicKey()) && loaded.getBasicConstraints() >= 0
                        && remaining(loaded, now).compareTo(RENEW_BEFORE) >= 0) {
                    ca = loaded;
                    caKey = loadedKey;
                } else {
                    LOG.info("Local CA in {} is expiring, not a CA or does not match its key; generating a new one", dir);
                }
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                LOG.warn("Cannot read the local CA in {} ({}); generating a new one", dir, e.toString());
            }
        }
        boolean newCa = ca == null;
        if (newCa) {
            KeyPair pair = newKeyPair();
            ca = caCertificate(pair, now);
            caKey = pair.getPrivate();
            writeFile(caKeyPem, pem("PRIVATE KEY", caKey.getEncoded()), true);
            writeFile(caPem, pem("CERTIFICATE", ca.getEncoded()), false);
            LOG.info("Generated a local CA at {}; trust it to open pod URLs without warnings", caPem);
        }

        if (!newCa && Files.exists(routerPem) && Files.exists(routerKeyPem)) {
            try {
                String chain = Files.readString(routerPem);
                String keyPem = Files.readString(routerKeyPem);
                X509Certificate leaf = readCertificates(chain).getFirst();
                PrivateKey leafKey = readPrivateKey(keyPem);
                String reason = leafProblem(leaf, leafKey, ca, domain, now);
                if (reason == null) {
                    return new LocalCa(dir, domain, ca, leaf, chain, keyPem);
                }
                LOG.info("Renewing the router certificate in {}: {}", dir, reason);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                LOG.warn("Cannot read the router certificate in {} ({}); issuing a new one", dir, e.toString());
            }
        }
        KeyPair leafPair = newKeyPair();
        X509Certificate leaf = leafCertificate(leafPair, ca, caKey, domain, now);
        String keyPem = pem("PRIVATE KEY", leafPair.getPrivate().getEncoded());
        String chain = pem("CERTIFICATE", leaf.getEncoded()) + pem("CERTIFICATE", ca.getEncoded());
        writeFile(routerKeyPem, keyPem, true);
        writeFile(routerPem, chain, false);
        LOG.debug("Issued a router certificate for *.{} valid until {}", domain, leaf.getNotAfter().toInstant());
        return new LocalCa(dir, domain, ca, leaf, chain, keyPem);
    }

    /** Why a stored leaf cannot be kept, or {@code null} if it can. */
    private static String leafProblem(X509Certificate leaf, PrivateKey key, X509Certificate ca, String domain, Instant now)
            throws GeneralSecurityException {
        try {
            leaf.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            return "not signed by the current CA";
        }
        if (!matches(key, leaf.getPublicKey())) {
            return "the key does not match the certificate";
        }
        if (remaining(leaf, now).compareTo(RENEW_BEFORE) < 0) {
            return "it expires on " + leaf.getNotAfter().toInstant();
        }
        if (!dnsNames(leaf).containsAll(List.of("*." + domain, domain, "localhost"))) {
            return "it does not cover *." + domain;
        }
        return null;
    }

    private static Duration remaining(X509Certificate certificate, Instant now) {
        return Duration.between(now, certificate.getNotAfter().toInstant());
    }

    static Set<String> dnsNames(X509Certificate certificate) throws CertificateParsingException {
        Set<String> names = new HashSet<>();
        Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                if (Integer.valueOf(GeneralName.dNSName).equals(san.get(0))) {
                    names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    private static boolean matches(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] probe = new byte[32];
        RANDOM.nextBytes(probe);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(probe);
        return verifier.verify(signature);
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate caCertificate(KeyPair pair, Instant now)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Berth")
                .addRDN(BCStyle.CN, "Berth local CA " + hostname())
                .build();
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_VALIDITY)), name, pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
        return sign(builder, pair.getPrivate());
    }

    private static X509Certificate leafCertificate(KeyPair pair, X509Certificate ca, PrivateKey caKey, String domain, Instant now)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Berth").addRDN(BCStyle.CN, "*." + domain).build();
        Instant notAfter = now.plus(LEAF_VALIDITY);
        if (notAfter.isAfter(ca.getNotAfter().toInstant())) {
            notAfter = ca.getNotAfter().toInstant();
        }
        GeneralNames sans = new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, "*." + domain),
                new GeneralName(GeneralName.dNSName, domain),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.iPAddress, "::1"),
        });
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, serial(),
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false, sans)
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        return sign(builder, caKey);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws GeneralSecurityException, OperatorCreationException {
        X509CertificateHolder holder = builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    // ---- PEM ----

    static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }

    static List<X509Certificate> readCertificates(String pem) throws IOException, GeneralSecurityException {
        List<X509Certificate> certificates = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof X509CertificateHolder holder) {
                    certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
                }
            }
        }
        if (certificates.isEmpty()) {
            throw new IOException("no certificate in PEM");
        }
        return certificates;
    }

    static PrivateKey readPrivateKey(String pem) throws IOException {
        try (Reader reader = new StringReader(pem); PEMParser parser = new PEMParser(reader)) {
            Object object = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (object instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
            throw new IOException("no private key in PEM (found " + (object == null ? "nothing" : object.getClass().getSimpleName()) + ")");
        }
    }

    // ---- files ----

    private static void restrictDirectory(Path dir) throws IOException {
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Writes atomically; secret files are created 0600 before any byte is written. */
    private static void writeFile(Path target, String content, boolean secret) throws IOException {
        Path dir = target.getParent();
        boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        Path temp = posix && secret
                ? Files.createTempFile(dir, target.getFileName().toString(), ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY))
                : Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            Files.writeString(temp, content, StandardCharsets.US_ASCII);
            if (posix && !secret) {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
