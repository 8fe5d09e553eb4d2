# -DSEER_SANITIZE=address,undefined  or  -DSEER_SANITIZE=thread
if(SEER_SANITIZE)
  if(SEER_SANITIZE MATCHES "thread" AND SEER_SANITIZE MATCHES "address")
    message(FATAL_ERROR "thread and address sanitizers cannot be combined")
  endif()
  message(STATUS "seer: sanitizers ${SEER_SANITIZE}")
  add_compile_options(-fsanitize=${SEER_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${SEER_SANITIZE})
endif()
