package dev.berth.local.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.InvalidSpecException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCaTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path dir;

    private static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    @Test
    void open_whenDirectoryEmpty_generatesCaAndLeafWithTheSans() throws Exception {
        LocalCa ca = LocalCa.open(dir, "pods.localhost", at(NOW));

        X509Certificate leaf = ca.routerCertificate();
        assertThat(LocalCa.dnsNames(leaf)).containsExactlyInAnyOrder("*.pods.localhost", "pods.localhost", "localhost");
        assertThat(leaf.getSubjectAlternativeNames()).anySatisfy(san -> assertThat(List.copyOf(san)).isEqualTo(List.of(7, "127.0.0.1")));
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        leaf.verify(ca.caCertificate().getPublicKey());
        assertThat(ca.caCertificate().getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(ca.caCertificate().getSubjectX500Principal().getName()).contains("CN=Berth local CA ");
        assertThat(ca.caCertificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void open_setsValidityOfTenYearsForCaAndOneYearForLeaf() {
        LocalCa ca = LocalCa.open(dir, "pods.localhost", at(NOW));

        assertThat(ca.caCertificate().getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(3650)));
        assertThat(ca.routerCertificate().getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(365)));
        assertThat(ca.routerCertificate().getNotBefore().toInstant()).isBefore(NOW);
    }

    @Test
    void open_writesTheFourFiles_withKeysReadableByOwnerOnly() throws Exception {
        LocalCa ca = LocalCa.open(dir, "pods.localhost", at(NOW));

        assertThat(ca.caCertificatePath()).isEqualTo(dir.toAbsolutePath().resolve("ca.pem"));
        assertThat(Files.readString(dir.resolve("ca.pem"))).startsWith("-----BEGIN CERTIFICATE-----");
        assertThat(LocalCa.readCertificates(Files.readString(dir.resolve("router.pem"))))
                .containsExactly(ca.routerCertificate(), ca.caCertificate());
        for (String key : List.of("ca-key.pem", "router-key.pem")) {
            assertThat(Files.readString(dir.resolve(key))).startsWith("-----BEGIN PRIVATE KEY-----");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key)))).isEqualTo("rw-------");
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("ca.pem", "ca-key.pem", "router.pem", "router-key.pem");
        }
    }

    @Test
    void open_whenFilesPresent_reusesThem() throws Exception {
        LocalCa first = LocalCa.open(dir, "pods.localhost", at(NOW));
        String routerPem = Files.readString(dir.resolve("router.pem"));

        LocalCa second = LocalCa.open(dir, "pods.localhost", at(NOW.plus(Duration.ofDays(100))));

        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.routerCertificate()).isEqualTo(first.routerCertificate());
        assertThat(Files.readString(dir.resolve("router.pem"))).isEqualTo(routerPem);
    }

    @Test
    void open_whenLeafExpiresWithin30Days_renewsLeafAndKeepsCa() {
        LocalCa first = LocalCa.open(dir, "pods.localhost", at(NOW));
        Instant later = NOW.plus(Duration.ofDays(340));

        LocalCa second = LocalCa.open(dir, "pods.localhost", at(later));

        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(second.routerCertificate()).isNotEqualTo(first.routerCertificate());
        assertThat(second.routerCertificate().getNotAfter().toInstant()).isEqualTo(later.plus(Duration.ofDays(365)));
    }

    @Test
    void open_whenDomainChanges_renewsLeafForTheNewDomainAndKeepsCa() throws Exception {
        LocalCa first = LocalCa.open(dir, "pods.localhost", at(NOW));

        LocalCa second = LocalCa.open(dir, "apps.example.test", at(NOW));

        assertThat(second.caCertificate()).isEqualTo(first.caCertificate());
        assertThat(LocalCa.dnsNames(second.routerCertificate())).contains("*.apps.example.test", "apps.example.test");
        assertThat(second.domain()).isEqualTo("apps.example.test");
    }

    @Test
    void open_whenCaKeyIsCorrupt_generatesANewCaAndLeaf() throws Exception {
        LocalCa first = LocalCa.open(dir, "pods.localhost", at(NOW));
        Files.writeString(dir.resolve("ca-key.pem"), "garbage");

        LocalCa second = LocalCa.open(dir, "pods.localhost", at(NOW));

        assertThat(second.caCertificate()).isNotEqualTo(first.caCertificate());
        second.routerCertificate().verify(second.caCertificate().getPublicKey());
    }

    @Test
    void open_whenDomainIsASingleLabel_rejectsWithField() {
        assertThatThrownBy(() -> LocalCa.open(dir, "localhost", at(NOW)))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("'localhost'")
                .hasMessageContaining("pods.localhost")
                .extracting(e -> ((InvalidSpecException) e).field()).isEqualTo("domain");
    }

    @Test
    void trustManager_trustsOnlyThisCa() throws Exception {
        LocalCa ca = LocalCa.open(dir, "pods.localhost", at(NOW));

        assertThat(ca.trustManager().getAcceptedIssuers()).containsExactly(ca.caCertificate());
        assertThat(ca.clientSslContext().getProtocol()).isEqualTo("TLS");
    }

    @Test
    void defaultDirectory_usesBerthHome_elseUserHome() {
        assertThat(LocalCa.defaultDirectory(Map.of("BERTH_HOME", "/opt/berth"))).isEqualTo(Path.of("/opt/berth/tls"));
        assertThat(LocalCa.defaultDirectory(Map.of()))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".berth", "tls"));
    }
}
