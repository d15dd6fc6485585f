package dev.berth.emulator;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An ALB whose HTTPS listener Berth's data plane serves for real on loopback ({@code berth_dataplane/elbv2.py}):
 * a test CA, made for this instance, issues the pod domain's wildcard certificate, which is imported into ACM
 * and given to the listener ({@link Fixtures#servedListener}). Requests go over a real TLS handshake with SNI to
 * the listener's local port, trusting the test CA only. Thread-safe.
 */
public final class ServedAlb {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A response through the listener: status, headers (names in lower case) and body. */
    public record Response(int status, Map<String, String> headers, String body) {
    }

    private final String listenerArn;
    private final int localPort;
    private final SSLContext tls;

    private ServedAlb(String listenerArn, int localPort, SSLContext tls) {
        this.listenerArn = listenerArn;
        this.localPort = localPort;
        this.tls = tls;
    }

    /** A new served ALB for {@code *.<domain>} in the network's subnets. */
    public static ServedAlb create(Emulator aws, Fixtures.Network network, String domain) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair caKeys = generator.generateKeyPair();
            KeyPair serverKeys = generator.generateKeyPair();
            X500Name caName = new X500Name("CN=Berth test CA " + Emulator.unique("ca"));
            X509Certificate ca = certificate(caName, caName, caKeys, caKeys.getPublic(), true, null);
            X509Certificate server = certificate(caName, new X500Name("CN=*." + domain), caKeys, serverKeys.getPublic(), false,
                    "*." + domain);
            String certificateArn = aws.acm().importCertificate(r -> r
                    .certificate(software.amazon.awssdk.core.SdkBytes.fromUtf8String(pem(server)))
                    .privateKey(software.amazon.awssdk.core.SdkBytes.fromUtf8String(pem(serverKeys.getPrivate()))))
                    .certificateArn();
            String listener = Fixtures.servedListener(aws, network, certificateArn);
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("berth-test-ca", ca);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, trust.getTrustManagers(), null);
            return new ServedAlb(listener, localPort(aws, listener), tls);
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("Cannot set up the test CA and certificate for *." + domain, e);
        }
    }

    public String listenerArn() {
        return listenerArn;
    }

    /** {@code GET /} with {@code Host: host}, SNI {@code host}, over a new connection. */
    public Response get(String host) throws IOException {
        return exchange(host, "GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    /**
     * Sends {@code requests} (raw HTTP/1.1, possibly several on one keep-alive connection; the last should say
     * {@code Connection: close}) over one TLS connection with SNI {@code sniHost}; returns every byte the listener
     * answered until it closed.
     */
    public String raw(String sniHost, String requests) throws IOException {
        try (SSLSocket socket = connect(sniHost)) {
            OutputStream out = socket.getOutputStream();
            out.write(requests.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private Response exchange(String host, String request) throws IOException {
        List<Response> responses = responses(raw(host, request));
        if (responses.size() != 1) {
            throw new IOException("The listener answered " + responses.size() + " responses to one request: " + responses);
        }
        return responses.get(0);
    }

    /** The responses in what a keep-alive connection received, in order (bodies framed by Content-Length or chunked). */
    public static List<Response> responses(String received) {
        List<Response> responses = new java.util.ArrayList<>();
        int at = 0;
        while (at < received.length()) {
            int end = received.indexOf("\r\n\r\n", at);
            if (end < 0) {
                throw new IllegalArgumentException("No complete response head at " + at + " in: " + received);
            }
            String[] lines = received.substring(at, end).split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            String body;
            at = end + 4;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                StringBuilder chunks = new StringBuilder();
                while (true) {
                    int lineEnd = received.indexOf("\r\n", at);
                    int size = Integer.parseInt(received.substring(at, lineEnd).split(";")[0].trim(), 16);
                    at = lineEnd + 2 + size + 2;
                    if (size == 0) {
                        break;
                    }
                    chunks.append(received, lineEnd + 2, lineEnd + 2 + size);
                }
                body = chunks.toString();
            } else if (headers.containsKey("content-length")) {
                int length = Integer.parseInt(headers.get("content-length"));
                body = received.substring(at, at + length);
                at += length;
            } else {
                body = received.substring(at);
                at = received.length();
            }
            responses.add(new Response(status, headers, new String(body.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)));
        }
        return responses;
    }

    /** A TLS connection to the listener with SNI {@code sniHost}, handshake done, trusting the test CA only. */
    public SSLSocket open(String sniHost) throws IOException {
        return connect(sniHost);
    }

    private SSLSocket connect(String sniHost) throws IOException {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), localPort);
        SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(plain, sniHost, localPort, true);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(sniHost)));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.setSoTimeout((int) Duration.ofSeconds(20).toMillis());
        socket.startHandshake();
        return socket;
    }

    /** Where the data plane serves the listener (its {@code /_berth/elbv2/listeners} endpoint). */
    private static int localPort(Emulator aws, String listenerArn) throws IOException {
        HttpURLConnection c = (HttpURLConnection) aws.endpoint().resolve("/_berth/elbv2/listeners").toURL().openConnection();
        List<Map<String, Object>> listeners;
        try (InputStream in = c.getInputStream()) {
            listeners = JSON.readValue(in, new TypeReference<>() { });
        }
        return listeners.stream().filter(l -> listenerArn.equals(l.get("listenerArn")))
                .map(l -> ((Number) l.get("localPort")).intValue()).findFirst()
                .orElseThrow(() -> new IllegalStateException("The data plane serves no listener " + listenerArn + " (it serves "
                        + listeners + "); is its load balancer tagged berth:dataplane=docker? see target/moto.log"));
    }

    private static X509Certificate certificate(X500Name issuer, X500Name subject, KeyPair issuerKeys,
            java.security.PublicKey subjectKey, boolean ca, String dnsName) throws GeneralSecurityException, OperatorCreationException,
            IOException {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(2))), subject, subjectKey)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (ca) {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } else {
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, dnsName)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuerKeys.getPrivate())));
    }

    private static String pem(Object object) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }
}
