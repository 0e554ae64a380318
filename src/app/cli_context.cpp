#include "app/cli_context.h"
#include "clock/time_source.h"
#include "store/open_store.h"

namespace pulsemon {

const Config &CliContext::config() {
  if (!config_) {
    config_ = std::make_unique<Config>(load_config(config_path(config_option)));
  }
  return *config_;
}

std::unique_ptr<Store> CliContext::open_store(std::string feed_origin) {
  const Config &loaded = config();
  return pulsemon::open_store(loaded.store,
                              StoreOptions{loaded.durability, false, std::move(feed_origin)});
}

UtcTime wall_now() {
  return real_time().wall_now();
}

} // namespace pulsemon
