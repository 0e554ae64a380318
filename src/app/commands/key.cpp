// pulsemon key add --meter N [--meter M] [--name TEXT] | key list [--json] | key revoke ID
//
// Device keys let sensor nodes upload pulses (POST /api/ingest) for their
// meters and nothing else. The key is printed once; only its hash is kept.
#include "app/cli_context.h"
#include "auth/secrets.h"
#include "core/time_text.h"

#include <nlohmann/json.hpp>

#include <iostream>

namespace pulsemon {

namespace {

std::string meters_text(const std::vector<std::int64_t> &meters) {
  std::string text;
  for (const std::int64_t id : meters) {
    text += (text.empty() ? "" : ",") + std::to_string(id);
  }
  return text;
}

} // namespace

void add_key_command(CLI::App &app, CliContext &context) {
  CLI::App *key = app.add_subcommand("key", "Manage device keys for sensor nodes");
  key->require_subcommand(1);

  auto meters = std::make_shared<std::vector<std::int64_t>>();
  auto name = std::make_shared<std::string>();
  CLI::App *add = key->add_subcommand("add", "Create a key that may upload pulses for meters");
  add->add_option("--meter", *meters, "a meter the key may write (repeat for more)")->required();
  add->add_option("--name", *name, "what the key is for, e.g. the node's name");
  add->callback([&context, meters, name] {
    auto store = context.open_store();
    for (const std::int64_t meter_id : *meters) {
      if (!store->find_meter(meter_id)) {
        throw Failure(ErrorCode::not_found,
                      "--meter: meter " + std::to_string(meter_id) + " does not exist");
      }
    }
    std::string text;
    const std::int64_t id =
        store->add_device_key(*name, *meters, wall_now(), [&](std::int64_t new_id) {
          text = auth::make_device_key(new_id);
          return auth::hash_device_key(text);
        });
    std::cout << "Device key " << id << " for meter" << (meters->size() > 1 ? "s " : " ")
              << meters_text(*meters) << " (shown once; store it in the node's settings):\n"
              << text << '\n';
  });

  auto json = std::make_shared<bool>(false);
  CLI::App *list = key->add_subcommand("list", "List device keys (never the keys themselves)");
  list->add_flag("--json", *json, "print a JSON array");
  list->callback([&context, json] {
    const auto keys = context.open_store()->device_keys();
    nlohmann::json all = nlohmann::json::array();
    for (const DeviceKey &k : keys) {
      all.push_back({{"id", k.id},
                     {"name", k.name},
                     {"meters", k.meters},
                     {"created", format_utc(k.created)},
                     {"revoked", k.revoked ? nlohmann::json(format_utc(*k.revoked)) : nullptr}});
    }
    if (*json) {
      std::cout << all.dump(2) << '\n';
      return;
    }
    for (const DeviceKey &k : keys) {
      std::cout << k.id << '\t' << (k.name.empty() ? "-" : k.name) << "\tmeters "
                << meters_text(k.meters) << '\t'
                << (k.revoked ? "revoked " + format_utc(*k.revoked) : "active") << '\n';
    }
  });

  auto revoke_id = std::make_shared<std::int64_t>(0);
  CLI::App *revoke = key->add_subcommand("revoke", "Revoke a key; its node's uploads get 401");
  revoke->add_option("id", *revoke_id, "the key's id (from key list)")->required();
  revoke->callback([&context, revoke_id] {
    context.open_store()->revoke_device_key(*revoke_id, wall_now());
    std::cout << "Revoked device key " << *revoke_id << '\n';
  });
}

} // namespace pulsemon
