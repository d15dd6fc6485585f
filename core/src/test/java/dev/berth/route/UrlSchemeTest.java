package dev.berth.route;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrlSchemeTest {
    private final UrlScheme local = new UrlScheme("pods.localhost", 8443);

    @Test
    void url_isOneLabelPerPodPort_andOmits443() {
        assertThat(local.url("pabc", 8888)).isEqualTo(URI.create("https://pabc-8888.pods.localhost:8443/"));
        assertThat(new UrlScheme("pods.example.com", 443).url("my-app", 80)).isEqualTo(URI.create("https://my-app-80.pods.example.com/"));
    }

    @Test
    void parse_splitsAtTheLastDash_ignoringPortAndCase() {
        assertThat(local.parse("My-App-8080.Pods.Localhost:8443")).contains(new UrlScheme.HostKey("my-app", 8080));
        assertThat(local.parse("pabc-80.pods.localhost.")).contains(new UrlScheme.HostKey("pabc", 80));
    }

    @Test
    void parse_rejectsOtherHostsAndBadPorts() {
        assertThat(local.parse("pabc-80.example.com")).isEmpty();
        assertThat(local.parse("a.b-80.pods.localhost")).isEmpty();
        assertThat(local.parse("pabc-0.pods.localhost")).isEmpty();
        assertThat(local.parse("pabc-x.pods.localhost")).isEmpty();
        assertThat(local.parse("pods.localhost")).isEmpty();
        assertThat(local.parse(null)).isEmpty();
    }
}
