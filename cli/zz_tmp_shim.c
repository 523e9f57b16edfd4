/* TEMPORARY until validate_node_ip/mac land from the events branch. */
int validate_node_ip(const char *ip, const char *server, const char *netmask, const char **why);
int validate_node_mac(const char *mac, const char **why);
int validate_node_ip(const char *ip, const char *server, const char *netmask, const char **why)
{ (void)ip; (void)server; (void)netmask; (void)why; return 0; }
int validate_node_mac(const char *mac, const char **why) { (void)mac; (void)why; return 0; }
