// pulsemon site add | list | del | grant | revoke
#include "app/cli_context.h"
#include "app/site_argument.h"
#include "core/quoted_input.h"
#include "core/time_text.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>

namespace pulsemon {

namespace {

void list_sites(CliContext &context, bool as_json) {
  auto store = context.open_store();
  std::map<std::int64_t, std::int64_t> meters;
  for (const Meter &meter : store->meters()) {
    ++meters[meter.site_id];
  }
  std::map<std::int64_t, std::int64_t> members;
  for (const User &user : store->users()) {
    for (const SiteMembership &membership : user.sites) {
      ++members[membership.site_id];
    }
  }
  nlohmann::json all = nlohmann::json::array();
  for (const Site &site : store->sites()) {
    all.push_back({{"id", site.id},
                   {"name", site.name},
                   {"created", format_utc(site.created)},
                   {"meters", meters[site.id]},
                   {"members", members[site.id]},
                   {"profiles_granted", site.profiles_granted}});
  }
  if (as_json) {
    std::cout << all.dump(2) << '\n';
    return;
  }
  for (const auto &site : all) {
    std::cout << site["id"].get<std::int64_t>() << '\t' << site["name"].get<std::string>() << '\t'
              << site["meters"].get<std::int64_t>() << " meters\t"
              << site["members"].get<std::int64_t>() << " members"
              << (site["profiles_granted"].get<bool>() ? "\toperators see its profiles" : "")
              << '\n';
  }
}

} // namespace

void add_site_command(CLI::App &app, CliContext &context) {
  CLI::App *site = app.add_subcommand(
      "site", "Manage sites: the households (flats, houses) one pulsemon serves, each with its "
              "own meters, keys and members");
  site->require_subcommand(1);

  auto add_name = std::make_shared<std::string>();
  CLI::App *add = site->add_subcommand("add", "Add a site; then give it meters (meter add "
                                              "--site) and users (user add --site --role)");
  add->add_option("name", *add_name, "the site's name, e.g. 'Flat 12'")->required();
  add->callback([&context, add_name] {
    const Site added = context.open_store()->add_site(*add_name, wall_now());
    std::cout << "Added site " << added.id << " " << quoted_input(added.name)
              << "; add its owner with 'pulsemon user add NAME --site " << added.id
              << " --role owner'\n";
  });

  auto json = std::make_shared<bool>(false);
  CLI::App *list = site->add_subcommand("list", "List sites with their meters and members");
  list->add_flag("--json", *json, "print a JSON array");
  list->callback([&context, json] { list_sites(context, *json); });

  auto del_site = std::make_shared<std::string>();
  CLI::App *del = site->add_subcommand(
      "del", "Delete a site without meters (move or delete them first); its memberships go");
  del->add_option("site", *del_site, "the site's id or name")->required();
  del->callback([&context, del_site] {
    auto store = context.open_store();
    const Site found = site_argument(*store, *del_site);
    store->delete_site(found.id);
    std::cout << "Deleted site " << found.id << " " << quoted_input(found.name) << '\n';
  });

  for (const bool grant : {true, false}) {
    auto which = std::make_shared<std::string>();
    auto by = std::make_shared<std::string>();
    CLI::App *command = site->add_subcommand(
        grant ? "grant" : "revoke",
        grant ? "Let operators see a site's hourly and finer figures (for its owner; recorded)"
              : "End operators' view of a site's hourly and finer figures (recorded)");
    command->add_option("site", *which, "the site's id or name")->required();
    command->add_option("--by", *by, "the owner who decided it, as recorded")->required();
    command->callback([&context, which, by, grant] {
      auto store = context.open_store();
      const Site found = site_argument(*store, *which);
      const auto owner = store->find_user(*by);
      if (!owner || role_in(owner->sites, found.id) != Role::admin) {
        throw Failure(ErrorCode::invalid_argument, "--by: " + quoted_input(*by) +
                                                       " is not an owner of site " +
                                                       quoted_input(found.name));
      }
      if (grant) {
        store->grant_profiles(found.id, *by, wall_now());
      } else {
        store->revoke_profiles(found.id, *by, wall_now());
      }
      std::cout << "Operators " << (grant ? "now see" : "no longer see") << " the profiles of "
                << quoted_input(found.name) << " (recorded as " << quoted_input(*by) << ")\n";
    });
  }
}

} // namespace pulsemon
