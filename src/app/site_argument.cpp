#include "app/site_argument.h"

#include "core/quoted_input.h"
#include "core/whole_number.h"

namespace pulsemon {

Site site_argument(Store &store, const std::string &text) {
  const auto id = whole_number_in(text, 1, max_site_id);
  for (const Site &site : store.sites()) {
    if ((id && site.id == *id) || (!id && site.name == text)) {
      return site;
    }
  }
  throw Failure(ErrorCode::not_found,
                "site: " + quoted_input(text) + " is no site's id or name ('pulsemon site list')");
}

} // namespace pulsemon
