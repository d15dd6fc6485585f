package dev.berth.local.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostFirewallTest {

    @Test
    void bridgeName_whenThePrefixedNameFits_isThePrefixedNetworkName() {
        assertThat(HostFirewall.bridgeName("berth-isol")).isEqualTo("bi-berth-isol");
        assertThat(HostFirewall.bridgeName("abcdefghijkl")).isEqualTo("bi-abcdefghijkl").hasSize(15);
    }

    @Test
    void bridgeName_ofALongName_fitsAnInterfaceNameAndKeepsNamesWithACommonStartApart() {
        String a = HostFirewall.bridgeName("berth-isolated");
        String b = HostFirewall.bridgeName("berth-it-isolated");

        assertThat(a).hasSize(HostFirewall.MAX_INTERFACE_NAME).startsWith("bi-bert-").matches("[a-z0-9-]+");
        assertThat(b).hasSize(HostFirewall.MAX_INTERFACE_NAME).startsWith("bi-bert-").isNotEqualTo(a);
        assertThat(HostFirewall.bridgeName("berth-isolated")).isEqualTo(a);
    }

    @Test
    void bridgeName_ofAnInvalidNetworkName_rejectsNamingTheValue() {
        assertThatThrownBy(() -> HostFirewall.bridgeName("a b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a b'");
    }

    @Test
    void rule_dropsNewConnectionsFromTheBridgeOnly() {
        assertThat(HostFirewall.rule("bi-x")).containsExactly("-i", "bi-x", "-m", "conntrack", "--ctstate", "NEW",
                "-m", "comment", "--comment", "berth: blockNetwork pods cannot open connections to the host", "-j", "DROP");
    }

    @Test
    void rule_whenTheInterfaceNameIsTooLongOrHasShellCharacters_rejects() {
        assertThatThrownBy(() -> HostFirewall.rule("a-very-long-bridge0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a-very-long-bridge0'").hasMessageContaining("15");
        assertThatThrownBy(() -> HostFirewall.rule("x;rm"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x;rm'");
    }

    @Test
    void manualCommands_checkThenInsertForIpv4AndIpv6_withTheCommentQuoted() {
        assertThat(HostFirewall.manualCommands("bi-x")).isEqualTo(
                "iptables -C INPUT -i bi-x -m conntrack --ctstate NEW -m comment --comment 'berth: blockNetwork pods cannot open "
                        + "connections to the host' -j DROP 2>/dev/null || iptables -I INPUT 1 -i bi-x -m conntrack --ctstate NEW "
                        + "-m comment --comment 'berth: blockNetwork pods cannot open connections to the host' -j DROP; "
                        + "ip6tables -C INPUT -i bi-x -m conntrack --ctstate NEW -m comment --comment 'berth: blockNetwork pods "
                        + "cannot open connections to the host' -j DROP 2>/dev/null || ip6tables -I INPUT 1 -i bi-x -m conntrack "
                        + "--ctstate NEW -m comment --comment 'berth: blockNetwork pods cannot open connections to the host' -j DROP");
    }
}
