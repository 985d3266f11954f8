/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The Tessera Authors
 */

/*
 * mgmt_res.c - the configuration resource tables and their /schema/.
 *
 * Field names and defaults follow the reference management API
 * (shared/spec/management-api.md §1.4) and, where it is silent, the guide
 * digest (guide-part2.md §3, guide-part3.md §3). Ranges the guide leaves
 * open are ours and are documented in docs/api.md.
 *
 * Context: any thread; everything here is constant.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "mgmt_res.h"
#include "mgmt_valid.h"

#define FS(n, col, fl, d, lo, hi, chk, h)                                                        \
	{ .name = n, .column = col, .type = MGMT_FT_STRING, .flags = (fl), .def = d, .min = lo,   \
	  .max = hi, .check = chk, .help = h }
#define FE(n, fl, d, ch, h)                                                                      \
	{ .name = n, .column = n, .type = MGMT_FT_ENUM, .flags = (fl), .def = d, .choices = ch,   \
	  .help = h }
#define FI(n, fl, d, lo, hi, h)                                                                  \
	{ .name = n, .column = n, .type = MGMT_FT_INT, .flags = (fl), .def = d, .min = lo,        \
	  .max = hi, .help = h }
#define FB(n, d, h)                                                                              \
	{ .name = n, .column = n, .type = MGMT_FT_BOOL, .flags = MGMT_F_FILTER, .def = d, .help = h }
#define FR(n, col, fl, r, h)                                                                     \
	{ .name = n, .column = col, .type = MGMT_FT_REF, .flags = (fl), .def = "null", .ref = r,  \
	  .help = h }
#define FT_CREATION                                                                              \
	{ .name = "creation_time", .column = "creation_time", .type = MGMT_FT_DATETIME,           \
	  .flags = MGMT_F_READONLY | MGMT_F_FILTER, .help = "when the object was created (UTC)" }

#define F_STR (MGMT_F_FILTER)
#define F_REQ (MGMT_F_FILTER | MGMT_F_REQUIRED)
#define F_NULL (MGMT_F_FILTER | MGMT_F_NULLABLE)

static const char *const service_types[] = {"conference", "lecture", "two_stage_dialing",
					    "test_call", NULL};
static const char *const layouts[] = {"one_main_zero_pips", "one_main_seven_pips",
				      "one_main_twentyone_pips", "two_mains_twentyone_pips", NULL};
static const char *const call_types[] = {"video", "video-only", "audio", NULL};
static const char *const pixels[] = {"sd", "hd", "fullhd", NULL};
static const char *const crypto_modes[] = {"besteffort", "on", "off", NULL};
static const char *const chat_modes[] = {"default", "yes", "no", NULL};
static const char *const dial_types[] = {"regular", "mssip", NULL};
static const char *const protocols[] = {"sip", "h323", "mssip", "rtmp", NULL};
static const char *const roles[] = {"guest", "chair", NULL};
static const char *const keep_alive[] = {"keep_conference_alive",
					 "keep_conference_alive_if_multiple",
					 "keep_conference_alive_never", NULL};
static const char *const routings[] = {"manual", "routing_rule", NULL};
static const char *const device_types[] = {"external", "registration", "mssip_conference_id",
					   "mssip_server", NULL};
static const char *const node_types[] = {"CONFERENCING", NULL};
static const char *const deploy_types[] = {"MANUAL-PROVISION-ONLY", "MANUAL-ESXI", "MANUAL-KVM",
					   "MANUAL-XEN", "MANUAL-HYPERV", NULL};
static const char *const ssh_modes[] = {"GLOBAL", "ON", "OFF", NULL};
static const char *const snmp_modes[] = {"DISABLED", "STANDARD", "AUTHPRIV", NULL};
static const char *const on_off[] = {"off", "on", NULL};
static const char *const ocsp_states[] = {"off", "on", "override", NULL};
static const char *const account_roles[] = {"admin", "readonly", NULL};

static const struct mgmt_field conference_alias_fields[] = {
	{.name = "alias", .column = "alias", .type = MGMT_FT_STRING,
	 .flags = F_REQ | MGMT_F_UNIQUE, .min = 1, .max = 250, .check = mgmt_check_alias,
	 .also_unique = "device",
	 .help = "dialled string; unique across all services and device aliases, case-insensitive"},
	FR("conference", "conference_id", F_REQ, "conference", "the service this alias reaches"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FT_CREATION,
};

static const struct mgmt_field conference_fields[] = {
	FS("name", "name", F_REQ | MGMT_F_UNIQUE, NULL, 1, 250, NULL, "unique service name"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FE("service_type", F_STR, "\"conference\"", service_types,
	   "conference (VMR), lecture (Virtual Auditorium), two_stage_dialing (Virtual "
	   "Reception), test_call"),
	FS("pin", "pin", F_STR, "\"\"", 0, 20, mgmt_check_pin,
	   "Host PIN: 4-20 digits, or 3-19 digits and a trailing #; empty = none"),
	FS("guest_pin", "guest_pin", F_STR, "\"\"", 0, 20, mgmt_check_pin,
	   "Guest PIN, same syntax; needs a Host PIN and must differ from it"),
	FB("allow_guests", "false", "Guests may join (requires a Host PIN)"),
	FB("guests_can_present", "true", "Guests may send presentation"),
	FE("host_view", F_STR, "\"one_main_seven_pips\"", layouts, "layout seen by Hosts"),
	FE("guest_view", F_STR, "\"one_main_seven_pips\"", layouts,
	   "layout seen by Guests (Virtual Auditorium)"),
	FE("call_type", F_STR, "\"video\"", call_types, "media capability of the service"),
	FI("participant_limit", F_NULL, "null", 1, 1000000, "null = no limit"),
	FI("max_callrate_in", F_NULL, "null", 128, 8192,
	   "per-participant inbound bandwidth (kbps), null = no limit"),
	FI("max_callrate_out", F_NULL, "null", 128, 8192,
	   "per-participant outbound bandwidth (kbps), null = no limit"),
	FE("max_pixels_per_second", F_NULL, "null", pixels, "resolution cap, null = global"),
	FE("crypto_mode", F_NULL, "null", crypto_modes, "media encryption, null = global setting"),
	FB("mute_all_guests", "false", "Guests join muted"),
	FB("force_presenter_into_main", "false", "lock the presenter as main speaker"),
	FB("enable_overlay_text", "false", "show speaker names"),
	FE("enable_chat", F_STR, "\"default\"", chat_modes, "default = global setting"),
	FS("tag", "tag", F_STR, "\"\"", 0, 250, NULL, "service tag for usage tracking"),
	FS("primary_owner_email_address", "primary_owner_email_address", F_STR, "\"\"", 0, 100,
	   mgmt_check_email, "owner's email address"),
	FS("sync_tag", "sync_tag", F_STR, "\"\"", 0, 250, NULL, "LDAP template that made it"),
	FR("system_location", "system_location_id", F_NULL, "system_location",
	   "Virtual Reception: location of the IVR, null = any"),
	FS("match_string", "match_string", F_STR, "\"\"", 0, 250, mgmt_check_regex,
	   "Virtual Reception: destination regex, empty = allow all"),
	FS("replace_string", "replace_string", F_STR, "\"\"", 0, 250, NULL,
	   "Virtual Reception: regex replacement"),
	FE("two_stage_dial_type", F_STR, "\"regular\"", dial_types, "Virtual Reception kind"),
	FR("ivr_theme", "ivr_theme_id", F_NULL, "ivr_theme",
	   "theme of prompts and splash screens, null = default"),
	{.name = "aliases", .type = MGMT_FT_CHILDREN, .ref = "conference_alias",
	 .join_self = "conference_id", .def = "[]",
	 .help = "ordered list of {\"alias\", \"description\"}; replaced as a whole when given"},
	{.name = "automatic_participants", .type = MGMT_FT_REFLIST, .ref = "automatic_participant",
	 .join_table = "conference_automatic_participant", .join_self = "conference_id",
	 .join_other = "automatic_participant_id", .def = "[]",
	 .help = "automatically dialled participants (resource URIs)"},
	FT_CREATION,
};

static const struct mgmt_field automatic_participant_fields[] = {
	FS("alias", "alias", F_REQ, NULL, 1, 250, NULL, "the address dialled"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	{.name = "conference", .type = MGMT_FT_REFLIST, .ref = "conference",
	 .join_table = "conference_automatic_participant", .join_self = "automatic_participant_id",
	 .join_other = "conference_id", .def = "[]",
	 .help = "services that dial this participant (resource URIs)"},
	FE("protocol", F_STR, "\"sip\"", protocols, "protocol of the call"),
	FE("call_type", F_STR, "\"video\"", call_types, "media capability of the call"),
	FE("role", F_STR, "\"guest\"", roles, "guest or chair (Host)"),
	FS("dtmf_sequence", "dtmf_sequence", F_STR, "\"\"", 0, 250, mgmt_check_dtmf,
	   "digits 0-9, *, # and , (pause) sent after connect"),
	FE("keep_conference_alive", F_STR, "\"keep_conference_alive_if_multiple\"", keep_alive,
	   "whether this participant keeps the conference running"),
	FE("routing", F_STR, "\"manual\"", routings, "manual or by call routing rules"),
	FR("system_location", "system_location_id", F_NULL, "system_location",
	   "location to dial from, null = automatic"),
	FB("streaming", "false", "streaming or recording device"),
	FS("remote_display_name", "remote_display_name", F_STR, "\"\"", 0, 250, NULL,
	   "name shown for the participant, empty = the alias"),
	FS("presentation_url", "presentation_url", F_STR, "\"\"", 0, 250, NULL,
	   "RTMP URL for dual-stream presentation"),
	FT_CREATION,
};

static const struct mgmt_field routing_rule_fields[] = {
	FS("name", "name", F_REQ, NULL, 1, 250, NULL, "rule name"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FI("priority", F_REQ, NULL, 1, 200, "1-200, lower is evaluated first"),
	FB("enable", "true", "disabled rules are kept but ignored"),
	FS("match_string", "match_string", F_REQ, NULL, 1, 250, mgmt_check_regex,
	   "regular expression matched against the destination alias"),
	FB("match_string_full", "false", "match the full alias URI"),
	FS("replace_string", "replace_string", F_STR, "\"\"", 0, 250, NULL,
	   "replacement, with backreferences; empty = unchanged"),
	FB("match_incoming_calls", "true", "match incoming gateway calls"),
	FB("match_outgoing_calls", "false", "match calls placed from a conference"),
	FB("match_incoming_sip", "true", "match SIP callers"),
	FB("match_incoming_h323", "true", "match H.323 callers"),
	FB("match_incoming_mssip", "true", "match MS-SIP callers"),
	FB("match_incoming_webrtc", "true", "match WebRTC and RTMP callers"),
	FB("match_incoming_only_if_registered", "false", "only registered callers match"),
	FR("match_source_location", "match_source_location_id", F_NULL, "system_location",
	   "only calls handled in this location, null = any"),
	FE("called_device_type", F_STR, "\"external\"", device_types, "what the call targets"),
	FE("outgoing_protocol", F_STR, "\"sip\"", protocols, "protocol of the outgoing leg"),
	FE("call_type", F_STR, "\"video\"", call_types, "media capability of the outgoing leg"),
	FR("outgoing_location", "outgoing_location_id", F_NULL, "system_location",
	   "location placing the outgoing leg, null = automatic"),
	FE("max_pixels_per_second", F_NULL, "null", pixels, "resolution cap, null = global"),
	FI("max_callrate_in", F_NULL, "null", 128, 8192, "inbound bandwidth (kbps)"),
	FI("max_callrate_out", F_NULL, "null", 128, 8192, "outbound bandwidth (kbps)"),
	FE("crypto_mode", F_NULL, "null", crypto_modes, "media encryption, null = global"),
	FB("treat_as_trusted", "false", "treat the destination as a trusted device"),
	FS("tag", "tag", F_STR, "\"\"", 0, 250, NULL, "service tag"),
	FR("ivr_theme", "ivr_theme_id", F_NULL, "ivr_theme",
	   "theme of the call's prompts, null = default"),
	FT_CREATION,
};

static const struct mgmt_field location_fields[] = {
	FS("name", "name", F_REQ | MGMT_F_UNIQUE, NULL, 1, 250, NULL, "unique location name"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FI("mtu", F_NULL, "null", 576, 9000, "MTU of the location's nodes, null = interface"),
	FI("media_qos", F_NULL, "null", 0, 63, "DSCP for media, null = no tagging"),
	FI("signalling_qos", F_NULL, "null", 0, 63, "DSCP for signalling, null = no tagging"),
	FS("local_mssip_domain", "local_mssip_domain", F_STR, "\"\"", 0, 250, NULL,
	   "Lync/SfB domain override, empty = global"),
	FR("overflow_location1", "overflow_location1_id", F_NULL, "system_location",
	   "primary overflow location"),
	FR("overflow_location2", "overflow_location2_id", F_NULL, "system_location",
	   "secondary overflow location"),
	{.name = "dns_servers", .type = MGMT_FT_REFLIST, .ref = "dns_server",
	 .join_table = "system_location_dns_server", .join_self = "system_location_id",
	 .join_other = "dns_server_id", .def = "[]",
	 .help = "DNS servers of the location's nodes (resource URIs)"},
	{.name = "ntp_servers", .type = MGMT_FT_REFLIST, .ref = "ntp_server",
	 .join_table = "system_location_ntp_server", .join_self = "system_location_id",
	 .join_other = "ntp_server_id", .def = "[]",
	 .help = "NTP servers of the location's nodes (resource URIs)"},
	{.name = "syslog_servers", .type = MGMT_FT_REFLIST, .ref = "syslog_server",
	 .join_table = "system_location_syslog_server", .join_self = "system_location_id",
	 .join_other = "syslog_server_id", .def = "[]",
	 .help = "remote syslog servers of the location's nodes (resource URIs)"},
};

static const struct mgmt_field worker_vm_fields[] = {
	FS("name", "name", F_REQ | MGMT_F_UNIQUE, NULL, 1, 250, NULL, "unique node name"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FS("hostname", "hostname", F_REQ | MGMT_F_UNIQUE, NULL, 1, 63, mgmt_check_hostname,
	   "host name: letters, digits, -; not all digits"),
	FS("domain", "domain", F_REQ, NULL, 1, 192, mgmt_check_domain, "DNS domain"),
	FS("address", "address", F_REQ | MGMT_F_UNIQUE, NULL, 7, 15, mgmt_check_ipv4,
	   "IPv4 address"),
	FS("netmask", "netmask", F_REQ, NULL, 7, 15, mgmt_check_netmask, "IPv4 network mask"),
	FS("gateway", "gateway", F_REQ, NULL, 7, 15, mgmt_check_ipv4, "IPv4 default gateway"),
	FS("ipv6_address", "ipv6_address", F_NULL | MGMT_F_UNIQUE, "null", 2, 45, mgmt_check_ipv6,
	   "IPv6 address"),
	FS("ipv6_gateway", "ipv6_gateway", F_NULL, "null", 2, 45, mgmt_check_ipv6, "IPv6 gateway"),
	FS("secondary_address", "secondary_address", F_NULL, "null", 7, 15, mgmt_check_ipv4,
	   "secondary interface IPv4 address"),
	FS("secondary_netmask", "secondary_netmask", F_NULL, "null", 7, 15, mgmt_check_netmask,
	   "secondary interface network mask"),
	FS("static_nat_address", "static_nat_address", F_NULL, "null", 7, 15, mgmt_check_ipv4,
	   "public IPv4 address of a static NAT"),
	FS("alternative_fqdn", "alternative_fqdn", F_STR, "\"\"", 0, 250, NULL,
	   "SIP TLS FQDN, empty = the address"),
	FR("system_location", "system_location_id", F_REQ, "system_location",
	   "the node's location"),
	FE("node_type", F_STR, "\"CONFERENCING\"", node_types, "role of the node"),
	FB("transcoding", "true", "the node handles media"),
	FB("maintenance_mode", "false", "refuse new conference instances"),
	FS("maintenance_mode_reason", "maintenance_mode_reason", F_STR, "\"\"", 0, 250, NULL,
	   "why maintenance mode is on"),
	FE("deployment_type", F_STR, "\"MANUAL-PROVISION-ONLY\"", deploy_types, "how it is deployed"),
	FB("enable_distributed_database", "true", "replicate the configuration"),
	FE("enable_ssh", F_STR, "\"GLOBAL\"", ssh_modes, "SSH access, GLOBAL = global setting"),
	FE("snmp_mode", F_STR, "\"DISABLED\"", snmp_modes, "SNMP agent mode"),
	FS("snmp_community", "snmp_community", F_STR, "\"public\"", 0, 16, NULL, "v2c community"),
	FS("snmp_username", "snmp_username", F_STR, "\"\"", 0, 100, NULL, "SNMPv3 user"),
	FS("snmp_system_contact", "snmp_system_contact", F_STR, "\"\"", 0, 70, NULL, "sysContact"),
	FS("snmp_system_location", "snmp_system_location", F_STR, "\"\"", 0, 70, NULL,
	   "sysLocation"),
	FI("vm_cpu_count", F_STR, "4", 1, 256, "CPU cores"),
	FI("vm_system_memory", F_STR, "4096", 1024, 1048576, "memory (MB), a multiple of 4"),
	FB("cloud_bursting", "false", "started on demand (overflow)"),
	{.name = "static_routes", .type = MGMT_FT_REFLIST, .ref = "static_route",
	 .join_table = "worker_vm_static_route", .join_self = "worker_vm_id",
	 .join_other = "static_route_id", .def = "[]",
	 .help = "static routes of the node, from the static_route pool (resource URIs)"},
};

static const char *const transports[] = {"udp", "tcp", "tls", NULL};

static const struct mgmt_field device_fields[] = {
	{.name = "alias", .column = "alias", .type = MGMT_FT_STRING,
	 .flags = F_REQ | MGMT_F_UNIQUE, .min = 1, .max = 250, .check = mgmt_check_device_alias,
	 .also_unique = "conference_alias",
	 .help = "alias a device registers with (exact match); unique across device and service "
		 "aliases, case-insensitive"},
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FS("username", "username", F_STR, "\"\"", 0, 100, NULL,
	   "registration username; empty = the device is not challenged"),
	FS("password", "password", F_STR, "\"\"", 0, 100, NULL,
	   "registration password (needs a username); returned, nodes answer digest with it"),
	FS("primary_owner_email_address", "primary_owner_email_address", F_STR, "\"\"", 0, 100,
	   mgmt_check_email, "owner's email address, for provisioning emails"),
	FB("enable_sip", "true", "may register over SIP"),
	FB("enable_h323", "false", "may register over H.323"),
	FB("enable_infinity_connect_non_sso", "true", "may register from a client app"),
	FS("tag", "tag", F_STR, "\"\"", 0, 250, NULL, "service tag for usage tracking"),
	FS("sync_tag", "sync_tag", F_STR, "\"\"", 0, 250, NULL, "LDAP template that made it"),
	FT_CREATION,
};

static const struct mgmt_field ivr_theme_fields[] = {
	FS("name", "name", F_REQ | MGMT_F_UNIQUE, NULL, 1, 250, NULL, "unique theme name"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FT_CREATION,
};

static const struct mgmt_field sip_credential_fields[] = {
	FS("realm", "realm", F_REQ | MGMT_F_UNIQUE, NULL, 1, 250, NULL,
	   "digest realm of the proxy (case-sensitive)"),
	FS("username", "username", F_REQ, NULL, 1, 100, NULL, "username (case-sensitive)"),
	FS("password", "password", F_REQ, NULL, 1, 100, NULL,
	   "password (case-sensitive); returned, nodes authenticate with it"),
};

static const struct mgmt_field syslog_server_fields[] = {
	FS("address", "address", F_REQ, NULL, 1, 255, mgmt_check_host, "IP address or FQDN"),
	FI("port", F_STR, "514", 1, 65535, "port"),
	FE("transport", F_STR, "\"udp\"", transports, "udp, tcp or tls"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FB("audit_log", "true", "send the administrator log"),
	FB("support_log", "true", "send the support log"),
};

static const struct mgmt_field dns_server_fields[] = {
	FS("address", "address", F_REQ | MGMT_F_UNIQUE, NULL, 2, 45, mgmt_check_ip, "IP address"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
};

static const struct mgmt_field ntp_server_fields[] = {
	FS("address", "address", F_REQ | MGMT_F_UNIQUE, NULL, 1, 255, mgmt_check_host,
	   "IP address or FQDN"),
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FI("key_id", F_NULL, "null", 1, 65535,
	   "secure NTP key id; needed with key, setting it to null removes the key"),
	{.name = "key", .column = "key_hash", .type = MGMT_FT_PASSWORD,
	 .flags = MGMT_F_WRITEONLY | MGMT_F_SHA1, .min = 0, .max = 128,
	 .help = "secure NTP key; stored as a SHA-1 hash, never returned; \"\" removes it"},
};

static const struct mgmt_field static_route_fields[] = {
	FS("name", "name", F_REQ | MGMT_F_UNIQUE, NULL, 1, 250, NULL, "unique route name"),
	FS("address", "address", F_REQ, NULL, 2, 45, mgmt_check_ip,
	   "destination network address (IPv4 or IPv6, host bits zero)"),
	FI("prefix", F_REQ, NULL, 0, 128, "network prefix: 0-32 (IPv4), 0-128 (IPv6)"),
	FS("gateway", "gateway", F_REQ, NULL, 2, 45, mgmt_check_ip,
	   "next hop, same address family"),
};

static const struct mgmt_field end_user_fields[] = {
	FS("primary_email_address", "primary_email_address", F_REQ | MGMT_F_UNIQUE, NULL, 3, 100,
	   mgmt_check_email, "the user's email address, unique"),
	FS("first_name", "first_name", F_STR, "\"\"", 0, 250, NULL, "given name"),
	FS("last_name", "last_name", F_STR, "\"\"", 0, 250, NULL, "family name"),
	FS("display_name", "display_name", F_STR, "\"\"", 0, 250, NULL, "display name"),
	FS("telephone_number", "telephone_number", F_STR, "\"\"", 0, 100, NULL, "telephone"),
	FS("mobile_number", "mobile_number", F_STR, "\"\"", 0, 100, NULL, "mobile"),
	FS("title", "title", F_STR, "\"\"", 0, 128, NULL, "job title"),
	FS("department", "department", F_STR, "\"\"", 0, 100, NULL, "department"),
	FS("avatar_url", "avatar_url", F_STR, "\"\"", 0, 255, NULL, "picture URL"),
	FS("user_oid", "user_oid", F_NULL, "null", 0, 100, NULL, "directory object id"),
	FS("exchange_user_id", "exchange_user_id", F_NULL, "null", 0, 100, NULL,
	   "Exchange user id"),
	FS("ms_exchange_guid", "ms_exchange_guid", F_NULL, "null", 0, 100, NULL, "Exchange GUID"),
	FS("sync_tag", "sync_tag", F_STR, "\"\"", 0, 250, NULL, "LDAP template that made it"),
};

static const struct mgmt_field global_fields[] = {
	FB("enable_sip", "true", "SIP over TCP and TLS (node restart)"),
	FB("enable_sip_udp", "false", "inbound SIP over UDP (node restart)"),
	FB("enable_h323", "true", "H.323 (node restart)"),
	FB("enable_webrtc", "true", "WebRTC (node restart)"),
	FB("enable_rtmp", "true", "RTMP (node restart)"),
	FB("enable_full_hd", "false", "1080p for new conferences"),
	FB("enable_chat", "true", "chat"),
	FB("enable_outbound_calls", "true", "gateway calls and all dial-out"),
	FB("enable_clients", "true", "client API and apps"),
	FB("enable_directory", "true", "phone book for registered clients"),
	FB("enable_ssh", "true", "SSH on all nodes"),
	FS("lync_domain", "lync_domain", F_STR, "\"\"", 0, 250, NULL, "Lync/SfB domain"),
	FI("max_inbound_call_bandwidth_kbps", F_NULL, "null", 128, 8192,
	   "per participant, null = no limit"),
	FI("max_outbound_call_bandwidth_kbps", F_NULL, "null", 128, 8192,
	   "per participant, null = no limit"),
	FI("management_dscp", F_NULL, "null", 0, 63, "DSCP of management traffic"),
	FI("signalling_port_start", F_STR, "33000", 1024, 65535, "signalling ports (restart)"),
	FI("signalling_port_end", F_STR, "39999", 1024, 65535, "signalling ports (restart)"),
	FI("media_port_start", F_STR, "40000", 1024, 65535, "media ports (restart)"),
	FI("media_port_end", F_STR, "49999", 1024, 65535, "media ports (restart)"),
	FE("sip_tls_verify_mode", F_STR, "\"off\"", on_off, "RFC 5922 certificate verification"),
	FE("ocsp_state", F_STR, "\"off\"", ocsp_states, "OCSP checking"),
	FS("ocsp_responder_url", "ocsp_responder_url", F_STR, "\"\"", 0, 250, NULL,
	   "OCSP responder when ocsp_state = override"),
	FB("external_http_enabled", "false", "plain HTTP for external systems"),
	FS("login_banner", "login_banner", F_STR, "\"\"", 0, 4096, NULL, "login banner text"),
	FI("web_session_timeout_min", F_STR, "30", 1, 1440, "admin session timeout (minutes)"),
	FI("guests_only_timeout", F_STR, "60", 0, 86400,
	   "seconds before Guests are disconnected after the last Host left"),
	FI("last_participant_backstop_timeout", F_STR, "0", 0, 86400,
	   "0 = never, else 60-86400 s"),
	FI("pin_entry_timeout", F_STR, "120", 30, 3600, "seconds to enter a PIN"),
	FB("bursting_enabled", "false", "cloud bursting"),
};

static const struct mgmt_field user_fields[] = {
	FS("username", "username", F_REQ | MGMT_F_UNIQUE, NULL, 1, 64, mgmt_check_username,
	   "login name: letters, digits, . _ @ -"),
	FE("role", F_STR, "\"readonly\"", account_roles, "admin (read/write) or readonly"),
	{.name = "password", .column = "password_hash", .type = MGMT_FT_PASSWORD,
	 .flags = MGMT_F_REQUIRED | MGMT_F_WRITEONLY, .min = 8, .max = 128,
	 .help = "8-128 characters; stored as a salted PBKDF2 hash, never returned"},
	FS("description", "description", F_STR, "\"\"", 0, 250, NULL, "free text"),
	FT_CREATION,
};

#define RES(n, t, f, ...)                                                                        \
	static const struct mgmt_resource res_##n = {                                            \
		.name = #n, .table = t, .fields = f, .n_fields = sizeof(f) / sizeof(f[0]),        \
		__VA_ARGS__}

RES(conference, "conference", conference_fields, .cross = mgmt_cross_conference);
RES(conference_alias, "conference_alias", conference_alias_fields);
RES(automatic_participant, "automatic_participant", automatic_participant_fields);
RES(gateway_routing_rule, "gateway_routing_rule", routing_rule_fields);
RES(system_location, "system_location", location_fields, .cross = mgmt_cross_location);
RES(worker_vm, "worker_vm", worker_vm_fields);
RES(end_user, "end_user", end_user_fields);
RES(global, "global", global_fields, .singleton = true, .cross = mgmt_cross_global);
RES(user, "account", user_fields);
RES(device, "device", device_fields, .cross = mgmt_cross_device);
RES(ivr_theme, "ivr_theme", ivr_theme_fields);
RES(sip_credential, "sip_credential", sip_credential_fields);
RES(syslog_server, "syslog_server", syslog_server_fields);
RES(dns_server, "dns_server", dns_server_fields);
RES(ntp_server, "ntp_server", ntp_server_fields, .cross = mgmt_cross_ntp);
RES(static_route, "static_route", static_route_fields, .cross = mgmt_cross_static_route);

const struct mgmt_resource *const mgmt_resources[] = {
	&res_automatic_participant,
	&res_conference,
	&res_conference_alias,
	&res_device,
	&res_dns_server,
	&res_end_user,
	&res_gateway_routing_rule,
	&res_global,
	&res_ivr_theme,
	&res_ntp_server,
	&res_sip_credential,
	&res_static_route,
	&res_syslog_server,
	&res_system_location,
	&res_user,
	&res_worker_vm,
	NULL,
};

/* ---- status and history (read-only, filled from the nodes' reports) ------------------ */

#define RS(n, h) FS(n, n, F_STR, NULL, 0, 0, NULL, h)
#define RI(n, h) FI(n, F_STR, NULL, INT64_MIN, INT64_MAX, h)
#define RB(n, h) FB(n, NULL, h)
#define RT(n, h)                                                                                   \
	{                                                                                          \
		.name = n, .column = n, .type = MGMT_FT_DATETIME, .flags = MGMT_F_FILTER,          \
		.help = h                                                                          \
	}
#define RR(n, h)                                                                                   \
	{                                                                                          \
		.name = n, .column = n, .type = MGMT_FT_REAL, .help = h                            \
	}

static const struct mgmt_field status_worker_vm_fields[] = {
	RS("name", "node name"),
	RS("hostname", "host name"),
	RS("address", "IPv4 address"),
	RS("node_type", "role of the node"),
	RS("system_location", "name of the node's location"),
	RB("maintenance_mode", "refusing new conference instances (media load reads 100)"),
	RT("last_contact", "last status report from the node (UTC); null = never"),
	RI("config_version", "configuration version the node last reported having applied"),
	RB("in_sync", "config_version is the current configuration version"),
	RS("contact_health", "ok (< 60 s), stale (< 5 min), lost, never"),
	RI("media_ports_used", "media ports in use (from the node's load report)"),
	RI("media_ports_total", "media ports the node can serve, when it reports it"),
	RI("media_load", "% of the node's media capacity in use; 100 in maintenance mode"),
	RI("conference_count", "conferences on the node"),
	RI("participant_count", "participants on the node"),
	RR("cpu_percent", "CPU use reported by the node"),
	RT("enrolled_at", "when the node's enrolment token was issued"),
};

static const struct mgmt_field status_conference_fields[] = {
	RS("name", "service name"),
	RS("service_type", "conference, lecture, two_stage_dialing, test_call or gateway"),
	RT("start_time", "when the first participant joined (UTC)"),
	RB("is_started", "always true for a live conference"),
	RB("is_locked", "locked against new joiners"),
	RB("guests_muted", "all Guests muted"),
	RS("tag", "service tag"),
	RI("participant_count", "participants now, over every node"),
	RI("node_count", "nodes hosting the conference"),
};

static const struct mgmt_field status_participant_fields[] = {
	RS("conference", "service name"),
	RS("node", "name of the node reporting the participant"),
	RS("display_name", "display name from the endpoint"),
	RS("source_alias", "participant alias"),
	RS("destination_alias", "alias dialled (dial-in) or called (dial-out)"),
	RS("remote_address", "signalling peer address"),
	RI("remote_port", "signalling peer port"),
	RS("protocol", "SIP, H.323, WebRTC, MSSIP, RTMP, API"),
	RS("role", "chair, guest or unknown"),
	RS("call_direction", "in or out"),
	RT("connect_time", "when signalling was established (UTC)"),
	RS("media_node", "address of the node handling media"),
	RS("signalling_node", "address of the node handling signalling"),
	RS("proxy_node", "address of a proxying node, if any"),
	RS("system_location", "location of the node the endpoint connects to"),
	RS("service_type", "accessed service, or a transient state"),
	RS("service_tag", "service tag"),
	RS("encryption", "media encryption (On / Off)"),
	RS("vendor", "endpoint manufacturer and software"),
	RS("call_uuid", "call id, correlates the logs"),
	RS("conversation_id", "correlates a Lync user's calls"),
	RS("parent_id", "participant this one belongs to"),
	RS("license_type", "port, audio or none"),
	RI("license_count", "1 for media, 0 for control-only"),
	RS("call_quality", "call quality"),
	RS("audio_codec", "audio codec"),
	RS("video_codec", "video codec"),
	RI("bandwidth", "negotiated maximum (kbps)"),
	RI("rx_bandwidth", "receive bandwidth (kbps)"),
	RI("tx_bandwidth", "send bandwidth (kbps)"),
	RI("rx_packets_received", "packets received"),
	RI("rx_packets_lost", "packets sent by the endpoint but not received"),
	RI("tx_packets_sent", "packets sent"),
	RI("tx_packets_lost", "packets lost towards the endpoint (RTCP RR)"),
	RR("rx_jitter", "interarrival jitter (ms)"),
	RR("tx_jitter", "jitter reported by the endpoint (ms)"),
	RB("is_muted", "muted"),
	RB("has_media", "media flows"),
	RB("is_presenting", "sending presentation"),
	RB("is_on_hold", "call on hold"),
	RB("is_streaming", "streaming device"),
	RB("is_recording", "recording device"),
	RB("is_presentation_supported", "presentation stream negotiated"),
	RB("is_disconnect_supported", "may be disconnected"),
	RB("is_mute_supported", "may be muted"),
	RB("is_transfer_supported", "may be transferred"),
};

static const struct mgmt_field alarm_fields[] = {
	RS("identifier", "alarm type"),
	RS("name", "alarm name (the guide's text)"),
	RS("level", "critical, error or warning"),
	RS("node", "node the alarm is about"),
	RS("instance", "what the alarm is about (one alarm per instance)"),
	RS("details", "details"),
	RT("time_raised", "when it was raised (UTC)"),
	RB("acknowledged", "acknowledged"),
};

static const struct mgmt_field alarm_history_fields[] = {
	RS("identifier", "alarm type"),
	RS("name", "alarm name (the guide's text)"),
	RS("level", "critical, error or warning"),
	RS("node", "node the alarm is about"),
	RS("instance", "what the alarm is about"),
	RS("details", "details"),
	RT("time_raised", "when it was raised (UTC)"),
	RT("time_lowered", "when it cleared (UTC); null while active"),
	RB("acknowledged", "acknowledged"),
};

static const struct mgmt_field history_conference_fields[] = {
	RS("name", "service name"),
	RS("service_type", "conference, lecture, two_stage_dialing, test_call or gateway"),
	RS("tag", "service tag"),
	RT("start_time", "first participant connected (UTC)"),
	RT("end_time", "last participant left (UTC)"),
	RI("duration", "seconds in use"),
	RI("participant_count", "participant calls (a rejoin counts again)"),
	RI("instant_message_count", "chat messages (count only)"),
	RS("instance_id", "id the conference had in the live status"),
	{.name = "participants",
	 .type = MGMT_FT_REFLIST,
	 .ref = "participant",
	 .join_table = "history_participant",
	 .join_self = "conference_id",
	 .join_other = "id",
	 .help = "the conference's participant history records"},
};

static const struct mgmt_field history_participant_fields[] = {
	FR("conference", "conference_id", F_STR, "conference", "the conference history record"),
	RS("participant_id", "participant id it had in the live status"),
	RS("conference_name", "service name"),
	RS("display_name", "display name"),
	RS("local_alias", "alias on the platform side"),
	RS("remote_alias", "alias of the endpoint"),
	RS("remote_address", "signalling peer address"),
	RI("remote_port", "signalling peer port"),
	RS("protocol", "protocol"),
	RS("role", "chair, guest or unknown"),
	RS("call_direction", "in or out"),
	RS("service_type", "service accessed"),
	RS("system_location", "location"),
	RS("media_node", "media node address"),
	RS("signalling_node", "signalling node address"),
	RS("encryption", "media encryption"),
	RS("vendor", "endpoint vendor"),
	RS("call_uuid", "call id"),
	RS("conversation_id", "Lync conversation id"),
	RI("bandwidth", "negotiated maximum (kbps)"),
	RI("license_count", "licenses"),
	RS("license_type", "license type"),
	RB("is_streaming", "streaming device"),
	RS("service_tag", "service tag"),
	RI("rx_packets_lost", "packets lost from the endpoint"),
	RI("tx_packets_lost", "packets lost towards the endpoint"),
	RT("start_time", "call reached the platform (UTC)"),
	RT("end_time", "call ended (UTC)"),
	RI("duration", "seconds"),
	RS("disconnect_reason", "who or what ended the call"),
};

#define SRES(n, name_, t, f, pfx, ...)                                                             \
	static const struct mgmt_resource n = {.name = name_,                                      \
					       .table = t,                                         \
					       .fields = f,                                        \
					       .n_fields = sizeof(f) / sizeof(f[0]),               \
					       .prefix = pfx,                                      \
					       .read_only = true,                                  \
					       __VA_ARGS__}

SRES(st_worker_vm, "worker_vm", "status_worker_vm", status_worker_vm_fields,
     MGMT_API_STATUS_PREFIX);
SRES(st_conference, "conference", "status_conference_view", status_conference_fields,
     MGMT_API_STATUS_PREFIX, .text_id = true);
SRES(st_participant, "participant", "status_participant", status_participant_fields,
     MGMT_API_STATUS_PREFIX, .text_id = true);
SRES(st_alarm, "alarm", "alarm_active_view", alarm_fields, MGMT_API_STATUS_PREFIX);
SRES(hi_conference, "conference", "history_conference", history_conference_fields,
     MGMT_API_HISTORY_PREFIX);
SRES(hi_participant, "participant", "history_participant", history_participant_fields,
     MGMT_API_HISTORY_PREFIX);
SRES(hi_alarm, "alarm", "alarm", alarm_history_fields, MGMT_API_HISTORY_PREFIX);

const struct mgmt_resource *const mgmt_status_resources[] = {
	&st_alarm, &st_conference, &st_participant, &st_worker_vm, NULL,
};

const struct mgmt_resource *const mgmt_history_resources[] = {
	&hi_alarm,
	&hi_conference,
	&hi_participant,
	NULL,
};

const struct mgmt_resource *
mgmt_res_lookup_in(const struct mgmt_resource *const *list, const char *name)
{
	for (const struct mgmt_resource *const *r = list; *r != NULL; r++)
		if (strcmp((*r)->name, name) == 0)
			return *r;
	return NULL;
}

const struct mgmt_resource *
mgmt_res_lookup(const char *name)
{
	return mgmt_res_lookup_in(mgmt_resources, name);
}

const char *
mgmt_res_prefix(const struct mgmt_resource *r)
{
	return r->prefix != NULL ? r->prefix : MGMT_API_CONFIG_PREFIX;
}

const struct mgmt_resource *
mgmt_res_ref(const struct mgmt_resource *r, const struct mgmt_field *f)
{
	const char *p = mgmt_res_prefix(r);

	if (strcmp(p, MGMT_API_STATUS_PREFIX) == 0)
		return mgmt_res_lookup_in(mgmt_status_resources, f->ref);
	if (strcmp(p, MGMT_API_HISTORY_PREFIX) == 0)
		return mgmt_res_lookup_in(mgmt_history_resources, f->ref);
	return mgmt_res_lookup(f->ref);
}

bool
mgmt_res_is_key(const char *s)
{
	size_t n = 0;

	if (*s == '.' || *s == '\0')
		return false;
	for (; s[n] != '\0'; n++)
		if (!(isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_' || s[n] == '.') ||
		    n >= 64)
			return false;
	return true;
}

int
mgmt_res_uri_key(const struct mgmt_resource *r, const char *key, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s%s/%s/", mgmt_res_prefix(r), r->name, key);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

const struct mgmt_field *
mgmt_res_field(const struct mgmt_resource *r, const char *name)
{
	for (size_t i = 0; i < r->n_fields; i++)
		if (strcmp(r->fields[i].name, name) == 0)
			return &r->fields[i];
	return NULL;
}

int
mgmt_res_uri(const struct mgmt_resource *r, int64_t id, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s%s/%" PRId64 "/", mgmt_res_prefix(r), r->name, id);

	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int
mgmt_res_parse_id(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (*s < '1' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (*s != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

int
mgmt_res_parse_ref(const struct mgmt_resource *r, const json_t *v, int64_t *out)
{
	char idbuf[24];
	const char *s, *rest, *prefix = mgmt_res_prefix(r);
	size_t plen = strlen(prefix), nlen = strlen(r->name), n;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 1)
			return -EINVAL;
		*out = json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return -EINVAL;
	s = json_string_value(v);
	if (strncmp(s, prefix, plen) != 0 || strncmp(s + plen, r->name, nlen) != 0 ||
	    s[plen + nlen] != '/')
		return -EINVAL;
	rest = s + plen + nlen + 1;
	n = strcspn(rest, "/");
	if (n == 0 || n >= sizeof(idbuf) || (rest[n] == '/' && rest[n + 1] != '\0'))
		return -EINVAL;
	memcpy(idbuf, rest, n);
	idbuf[n] = '\0';
	return mgmt_res_parse_id(idbuf, out);
}

static const char *
type_name(const struct mgmt_field *f)
{
	switch (f->type) {
	case MGMT_FT_INT:
		return "integer";
	case MGMT_FT_BOOL:
		return "boolean";
	case MGMT_FT_DATETIME:
		return "datetime";
	case MGMT_FT_REF:
		return "related";
	case MGMT_FT_REFLIST:
	case MGMT_FT_CHILDREN:
		return "related";
	case MGMT_FT_PASSWORD:
		return "password";
	case MGMT_FT_REAL:
		return "float";
	default:
		return "string";
	}
}

static json_t *
filter_ops(const struct mgmt_field *f)
{
	switch (f->type) {
	case MGMT_FT_STRING:
		return json_pack("[ssssssss]", "exact", "iexact", "contains", "icontains",
				 "startswith", "istartswith", "endswith", "iendswith");
	case MGMT_FT_INT:
	case MGMT_FT_DATETIME:
		return json_pack("[sssss]", "exact", "gt", "gte", "lt", "lte");
	default:
		return json_pack("[s]", "exact");
	}
}

static json_t *
field_schema(const struct mgmt_resource *r, const struct mgmt_field *f)
{
	json_t *o = json_object(), *def = NULL;

	if (o == NULL)
		return NULL;
	if (f->def != NULL)
		def = json_loads(f->def, JSON_DECODE_ANY, NULL);
	json_object_set_new(o, "type", json_string(type_name(f)));
	json_object_set_new(o, "nullable", json_boolean(f->flags & MGMT_F_NULLABLE));
	json_object_set_new(o, "blank", json_boolean(!(f->flags & MGMT_F_REQUIRED)));
	json_object_set_new(o, "readonly",
			    json_boolean((f->flags & MGMT_F_READONLY) || r->read_only));
	json_object_set_new(o, "unique", json_boolean(f->flags & MGMT_F_UNIQUE));
	json_object_set_new(o, "default", def != NULL ? def : json_string("No default provided."));
	json_object_set_new(o, "help_text", json_string(f->help ? f->help : ""));
	if (f->type == MGMT_FT_STRING && f->max > 0)
		json_object_set_new(o, "max_length", json_integer(f->max));
	if (f->type == MGMT_FT_INT) {
		json_object_set_new(o, "min_value", json_integer(f->min));
		json_object_set_new(o, "max_value", json_integer(f->max));
	}
	if (f->type == MGMT_FT_ENUM) {
		json_t *c = json_array();

		for (const char *const *p = f->choices; *p != NULL; p++)
			json_array_append_new(c, json_string(*p));
		json_object_set_new(o, "valid_choices", c);
	}
	if (f->ref != NULL) {
		json_object_set_new(o, "related_type",
				    json_string(f->type == MGMT_FT_REF ? "to_one" : "to_many"));
		json_object_set_new(o, "related_resource", json_string(f->ref));
	}
	return o;
}

json_t *
mgmt_res_schema(const struct mgmt_resource *r, unsigned int default_limit)
{
	json_t *s = json_object(), *fields = json_object(), *filt = json_object();
	json_t *order = json_array();

	if (s == NULL || fields == NULL || filt == NULL || order == NULL) {
		json_decref(s);
		json_decref(fields);
		json_decref(filt);
		json_decref(order);
		return NULL;
	}
	json_object_set_new(fields, "id",
			    json_pack("{s:s,s:b,s:b,s:b,s:b,s:s}", "type",
				      r->text_id ? "string" : "integer", "nullable", 0, "blank", 1,
				      "readonly", 1, "unique", 1, "help_text", "object id"));
	json_object_set_new(fields, "resource_uri",
			    json_pack("{s:s,s:b,s:b,s:b,s:b,s:s}", "type", "string", "nullable", 0,
				      "blank", 1, "readonly", 1, "unique", 1, "help_text",
				      "URI of this object"));
	json_object_set_new(filt, "id",
			    r->text_id ? json_pack("[s]", "exact")
				       : json_pack("[sssss]", "exact", "gt", "gte", "lt", "lte"));
	json_array_append_new(order, json_string("id"));
	for (size_t i = 0; i < r->n_fields; i++) {
		const struct mgmt_field *f = &r->fields[i];

		json_object_set_new(fields, f->name, field_schema(r, f));
		if (f->flags & MGMT_F_FILTER) {
			json_object_set_new(filt, f->name, filter_ops(f));
			json_array_append_new(order, json_string(f->name));
		}
	}
	json_object_set_new(s, "fields", fields);
	json_object_set_new(s, "filtering", filt);
	json_object_set_new(s, "ordering", order);
	json_object_set_new(s, "default_format", json_string("application/json"));
	json_object_set_new(s, "default_limit", json_integer(default_limit));
	if (r->read_only) {
		json_object_set_new(s, "allowed_list_http_methods", json_pack("[s]", "get"));
		json_object_set_new(s, "allowed_detail_http_methods", json_pack("[s]", "get"));
	} else if (r->singleton) {
		json_object_set_new(s, "allowed_list_http_methods", json_pack("[s]", "get"));
		json_object_set_new(s, "allowed_detail_http_methods",
				    json_pack("[sss]", "get", "put", "patch"));
	} else {
		json_object_set_new(s, "allowed_list_http_methods", json_pack("[ss]", "get", "post"));
		json_object_set_new(s, "allowed_detail_http_methods",
				    json_pack("[ssss]", "get", "put", "patch", "delete"));
	}
	return s;
}
